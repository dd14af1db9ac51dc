import type { FromSchema } from 'json-schema-to-ts';
import type { Same } from '../query/schema-types.js';
import { ruleSchema } from './rule.js';
import { NOTIFICATION_KINDS, STATE_NAMES } from './state-machine.js';

/**
 * What the alert API answers, as JSON Schema (query/answers.ts says how these schemas are
 * used): rules with their states, previews, silences, history. `AlertRule` — the type of a
 * parsed rule throughout the alert engine — is derived here from the rules file's schema.
 */
const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const string = { type: 'string' } as const;

const RULE_FIELDS = [
  'id',
  'name',
  'target',
  'signal',
  'comparator',
  'threshold',
  'window',
  'interval',
  'for',
  'minSamples',
  'excludeColdStarts',
  'groupBy',
  'noData',
  'severity',
  'labels',
  'repeatInterval',
  'channels',
] as const;
true satisfies Same<(typeof RULE_FIELDS)[number], keyof typeof ruleSchema.properties>;

/** A rule as parseRule returns it and the API shows it: every default filled in, and its id. */
export const alertRule = {
  ...ruleSchema,
  required: RULE_FIELDS,
  properties: {
    ...ruleSchema.properties,
    id: { type: 'string', description: 'stable id, derived from the name unless given' },
    channels: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'url'],
        properties: {
          type: ruleSchema.properties.channels.items.properties.type,
          // the rest of a URL is a credential and leaves the collector only to be posted to
          url: { type: 'string', description: 'answers show its origin and last four characters only' },
        },
      },
    },
  },
} as const;
export type AlertRule = FromSchema<typeof alertRule>;

/** What may be wrong with a rule that was accepted anyway (target-check.ts). */
const warnings = {
  type: 'array',
  items: string,
  description:
    'what may be wrong with the rule although it was accepted: a service or function that has not reported in its window',
} as const;

/** `{ rule, warnings }`: the rule created or replaced. */
export const ruleAnswer = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'warnings'],
  properties: { rule: alertRule, warnings },
} as const;
export type RuleAnswer = FromSchema<typeof ruleAnswer>;

const state = { type: 'string', enum: STATE_NAMES } as const;

/** A rule and its current state per group (`GET /api/alerts/rules`). */
export const ruleStatus = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'source', 'states'],
  properties: {
    rule: alertRule,
    source: { type: 'string', enum: ['file', 'api'], description: 'rules from the rules file are read-only here' },
    states: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['group', 'state', 'since'],
        properties: {
          group: { type: 'string', description: "'' for a rule that is not grouped" },
          state,
          since: { type: 'number', description: 'epoch ms' },
          value: { type: 'number', description: 'the last value seen; absent without data' },
        },
      },
    },
    silencedUntil: { type: 'number', description: 'epoch ms; absent unless the whole rule is silenced' },
  },
} as const;
export type RuleStatus = FromSchema<typeof ruleStatus>;

export const ruleList = {
  type: 'object',
  additionalProperties: false,
  description: 'Rules from the rules file, then those made through the API',
  required: ['rules'],
  properties: { rules: { type: 'array', items: ruleStatus } },
} as const;

/** `POST /api/alerts/preview`: the rule's signal over consecutive windows, and its states. */
export const alertPreview = {
  type: 'object',
  additionalProperties: false,
  description: 'What the rule would have said over the last 24 hours; nothing is sent',
  required: ['bucketMs', 'threshold', 'unit', 'points', 'warnings'],
  properties: {
    warnings,
    bucketMs: integer,
    threshold: number,
    unit: { type: 'string', description: 'what the values are in: ms, % or /s' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['t', 'value', 'samples', 'state', 'notify'],
        properties: {
          t: { type: 'integer', description: 'window end, epoch ms' },
          value: { type: ['number', 'null'], description: 'null: no data in the window' },
          samples: integer,
          state,
          notify: { type: ['string', 'null'], enum: [...NOTIFICATION_KINDS, null] },
        },
      },
    },
  },
} as const;
export type AlertPreview = FromSchema<typeof alertPreview>;

/** A silence of a rule, or of one group of it. */
export const silence = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'ruleId', 'group', 'untilMs', 'comment'],
  properties: {
    id: string,
    ruleId: string,
    group: { type: 'string', description: "'' silences every group of the rule" },
    untilMs: { type: 'number', description: 'epoch ms' },
    comment: string,
  },
} as const;
export type Silence = FromSchema<typeof silence>;

export const silenceList = {
  type: 'object',
  additionalProperties: false,
  description: 'Silences that have not ended',
  required: ['silences'],
  properties: { silences: { type: 'array', items: silence } },
} as const;

export const silenceAnswer = {
  type: 'object',
  additionalProperties: false,
  required: ['silence'],
  properties: { silence },
} as const;

const stateOrNone = { type: 'string', enum: ['', ...STATE_NAMES] } as const;

/** A transition, a delivery attempt or a silenced notification (`GET /api/alerts/history`). */
export const historyEntry = {
  type: 'object',
  additionalProperties: false,
  required: [
    'at',
    'ruleId',
    'group',
    'kind',
    'from',
    'to',
    'value',
    'threshold',
    'notificationId',
    'channel',
    'attempt',
    'status',
    'detail',
  ],
  properties: {
    at: { type: 'string', pattern: '^\\d+$', description: 'epoch ms, as decimal text' },
    ruleId: string,
    group: string,
    kind: { type: 'string', enum: ['transition', 'delivery', 'silenced'] },
    from: { ...stateOrNone, description: "transitions: the state left; else ''" },
    to: stateOrNone,
    value: { type: ['number', 'null'] },
    threshold: number,
    notificationId: string,
    channel: { type: 'string', enum: ['', 'webhook', 'slack'], description: "deliveries: where to; else ''" },
    attempt: integer,
    status: { type: 'string', enum: ['', 'delivered', 'failed'] },
    detail: { type: 'string', description: 'why a delivery failed, or which silence held a notification' },
  },
} as const;
export type HistoryEntry = FromSchema<typeof historyEntry>;

export const historyList = {
  type: 'object',
  additionalProperties: false,
  description: 'Newest first',
  required: ['history'],
  properties: { history: { type: 'array', items: historyEntry } },
} as const;

/** `204 No Content`. */
export const noContent = { type: 'null', description: 'Done; no body' } as const;
