import { ruleSchema } from './rule.js';

/**
 * The alert API's request schemas: they validate requests, document them (OpenAPI) and type
 * the handlers (query/schema-types.ts). Rule bodies are the rules file's schema (rule.ts).
 */

/** A rule to create, replace or preview: the rules file's schema, every field it has. */
export const ruleBody = { ...ruleSchema, required: [...ruleSchema.required] } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' } },
} as const;

export const silenceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['ruleId'],
  properties: {
    ruleId: { type: 'string' },
    group: { type: 'string', default: '', description: "one group of a grouped rule; '' (the default) silences all" },
    until: { type: 'string', description: 'ISO-8601; or give durationMinutes' },
    durationMinutes: { type: 'number', minimum: 1, maximum: 525600, description: 'default 60' },
    comment: { type: 'string', default: '' },
  },
} as const;

export const historyQuerystring = {
  type: 'object',
  properties: {
    rule: { type: 'string', description: 'one rule id' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
  },
} as const;
