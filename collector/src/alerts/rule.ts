import { Ajv } from 'ajv';
import { parseDuration } from '../config/duration.js';
import { PATTERNS, schemaErrorText, valueAt } from '../config/schema-errors.js';
import { badRule } from '../errors.js';
import type { AlertRule } from './answers.js';

/**
 * An alert rule: a target (service / operation / function / trigger, any combination), a
 * signal, a comparison with a threshold over an evaluation window, how often to evaluate,
 * how long the condition must hold before firing ("for"), how many samples a window needs,
 * what to do when there is no data, and where to send notifications. One JSON Schema
 * validates rules from the rules file and from the REST API, and documents them.
 */
export const SIGNALS = [
  'latency_p50',
  'latency_p90',
  'latency_p95',
  'latency_p99',
  'error_rate',
  'throughput',
  'cold_start_rate',
  'init_p95',
  'timeout_rate',
  'telemetry_loss',
] as const;
export type Signal = (typeof SIGNALS)[number];

const duration = { type: 'string', pattern: PATTERNS.duration.pattern } as const;

export const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'signal', 'comparator', 'threshold'],
  properties: {
    id: {
      type: 'string',
      pattern: PATTERNS.ruleId.pattern,
      description: 'stable id; default: derived from the name',
    },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    target: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        service: { type: 'string' },
        operation: { type: 'string' },
        function: { type: 'string' },
        trigger: { type: 'string' },
      },
    },
    signal: { type: 'string', enum: SIGNALS },
    comparator: { type: 'string', enum: ['>', '>=', '<', '<='] },
    threshold: {
      type: 'number',
      description: 'ms for latency and init signals, percent for rates, per second for throughput',
    },
    window: { ...duration, default: '5m' },
    interval: { ...duration, default: '1m' },
    for: { ...duration, default: '0s', description: 'how long the condition must hold before firing' },
    minSamples: { type: 'integer', minimum: 0, default: 1 },
    excludeColdStarts: {
      type: 'boolean',
      default: false,
      description: 'latency signals: leave cold-start invocations out',
    },
    groupBy: { type: 'string', enum: ['none', 'function', 'operation', 'service'], default: 'none' },
    noData: { type: 'string', enum: ['no_data', 'ok', 'alerting', 'keep'], default: 'no_data' },
    severity: { type: 'string', enum: ['info', 'warning', 'critical'], default: 'warning' },
    labels: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    repeatInterval: { ...duration, default: '4h', description: 'send again while firing this often' },
    channels: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'url'],
        properties: {
          type: { type: 'string', enum: ['webhook', 'slack'] },
          url: { type: 'string', pattern: PATTERNS.httpUrl.pattern },
        },
      },
    },
  },
} as const;

/** A parsed rule: the type is derived from this schema, defaults filled in (answers.ts). */
export type { AlertRule };

const ajv = new Ajv({ useDefaults: true, allErrors: false });
const validateRule = ajv.compile(ruleSchema);

export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63) || 'rule';

/**
 * Defaults, validation, and the id. Throws a `BAD_RULE` CollectorError naming the field (its
 * `field` is the JSON pointer, e.g. `/rules/2/threshold`). NOTE: fills defaults into `input`.
 */
export function parseRule(input: unknown, path = ''): AlertRule {
  if (!validateRule(input)) {
    const e = validateRule.errors![0]!;
    const where = `${path}${e.instancePath}`;
    // a rule body's own fields are named by the text ("threshold" is required); nested ones by path
    const text = schemaErrorText(e, valueAt(input, e.instancePath));
    throw badRule(where ? `${where}: ${text}` : text, where);
  }
  const rule = input as unknown as AlertRule;
  for (const k of ['window', 'interval', 'for', 'repeatInterval'] as const)
    if (parseDuration(rule[k]) === undefined)
      throw badRule(`${path}/${k}: must look like 30s, 5m, 1h or 1d (got ${JSON.stringify(rule[k])})`, `${path}/${k}`);
  if (ms(rule.window) < 10_000) throw badRule(`${path}/window: must be at least 10s`, `${path}/window`);
  rule.id ??= slug(rule.name);
  return rule;
}

/** Milliseconds of a duration of a parsed rule (parseRule checked them all). */
export function ms(d: string): number {
  const value = parseDuration(d);
  if (value === undefined) throw new Error(`not a duration: ${JSON.stringify(d)}`);
  return value;
}

export function compare(value: number, c: AlertRule['comparator'], threshold: number): boolean {
  switch (c) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    default:
      return value <= threshold;
  }
}
