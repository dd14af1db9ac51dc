import { Ajv } from 'ajv';
import { parseDuration } from '../config/duration.js';
import { readYamlFile } from '../config/option-files.js';
import { fileMistake, PATTERNS } from '../config/schema-errors.js';

/**
 * `--tail-sampling sampling.yaml`: when journeys are decided and which are kept.
 *
 * ```yaml
 * decisionDelay: 30s   # a journey is decided once none of its traces got a span for this long
 * hold: 1h             # staged spans are kept this long after ingest (kept or not)
 * keep:
 *   errors: true       # any span with status Error
 *   timeouts: true     # any span with fntrace.timeout = true
 *   coldStarts: true   # any span with faas.coldstart = true
 *   spanOverMs: 2000   # any span longer than this
 *   journeyOverMs: 5000  # first start to last end of the journey longer than this
 *   attributes:        # any span whose span or resource attribute has this value
 *     - { key: app.tenant.tier, value: gold }
 *   percent: 10        # of the journeys no rule above keeps, by a hash of the journey
 * ```
 *
 * Defaults: decisionDelay 30s, hold 1h, errors, timeouts and cold starts kept, percent 10.
 * A mistake stops start-up naming the file, line and field, like `--alert-rules`.
 */
export interface SamplingRules {
  decisionDelayMs: number;
  holdMs: number;
  keep: {
    errors: boolean;
    timeouts: boolean;
    coldStarts: boolean;
    spanOverMs?: number;
    journeyOverMs?: number;
    attributes: { key: string; value: string }[];
    percent: number;
  };
}

const DURATION = PATTERNS.wholeDuration.pattern;

const fileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    decisionDelay: { type: 'string', pattern: DURATION, default: '30s' },
    hold: { type: 'string', pattern: DURATION, default: '1h' },
    keep: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        errors: { type: 'boolean', default: true },
        timeouts: { type: 'boolean', default: true },
        coldStarts: { type: 'boolean', default: true },
        spanOverMs: { type: 'number', minimum: 0 },
        journeyOverMs: { type: 'number', minimum: 0 },
        attributes: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['key', 'value'],
            properties: { key: { type: 'string', minLength: 1 }, value: { type: 'string' } },
          },
        },
        percent: { type: 'number', minimum: 0, maximum: 100, default: 10 },
      },
    },
  },
} as const;

const validate = new Ajv({ useDefaults: true, allErrors: true }).compile(fileSchema);

/** Reads and validates the rules file `--tail-sampling` names. */
export function loadSamplingRules(path: string): SamplingRules {
  const { data, fail } = readYamlFile(path, '--tail-sampling');
  const plain = (data ?? {}) as Record<string, unknown>;
  if (typeof plain !== 'object' || Array.isArray(plain))
    fail(undefined, 'expected a mapping (decisionDelay, hold, keep)');
  if (!validate(plain)) {
    const { field, text } = fileMistake(
      validate.errors!,
      plain,
      (at) => `is not a field here (${Object.keys(propertiesAt(at)).join(', ')})`,
    );
    fail(field, `${field || '/'}: ${text}`);
  }
  const d = plain as { decisionDelay: string; hold: string; keep: SamplingRules['keep'] };
  const decisionDelayMs = parseDuration(d.decisionDelay)!;
  const holdMs = parseDuration(d.hold)!;
  if (decisionDelayMs < 1000) fail('/decisionDelay', `/decisionDelay: must be at least 1s (got ${d.decisionDelay})`);
  if (holdMs <= decisionDelayMs)
    fail(
      '/hold',
      `/hold: must be longer than decisionDelay (${d.decisionDelay}), or spans expire undecided (got ${d.hold})`,
    );
  return { decisionDelayMs, holdMs, keep: d.keep };
}

function propertiesAt(pointer: string): Record<string, unknown> {
  if (pointer === '') return fileSchema.properties;
  if (pointer === '/keep') return fileSchema.properties.keep.properties;
  return fileSchema.properties.keep.properties.attributes.items.properties;
}
