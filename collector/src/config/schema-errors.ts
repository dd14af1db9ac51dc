/**
 * Plain words for a JSON Schema (Ajv) error, for people: the API's 400s, the dashboard's
 * messages, rule files and command-line options all say what was expected and what came,
 * instead of a regular expression or "must be equal to one of the allowed values".
 */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * The patterns the collector's schemas use (API parameters, alert rules, options), each with
 * what it asks for in words; schemas take `PATTERNS.x.pattern`, so the words cannot drift
 * from the pattern they describe.
 */
export const PATTERNS = {
  duration: { pattern: '^\\d+(\\.\\d+)?(s|m|h|d)$', words: 'a duration such as 30s, 15m, 1h or 7d' },
  wholeDuration: { pattern: '^\\d+(s|m|h|d)$', words: 'a whole duration such as 30s, 5m, 1h or 1d' },
  traceId: { pattern: '^[0-9a-fA-F]{32}$', words: 'a trace id of 32 hexadecimal digits' },
  traceIdPrefix: {
    pattern: '^[0-9a-fA-F]{4,32}$',
    words: 'a trace id (32 hexadecimal digits) or its first 4 or more',
  },
  keyValue: { pattern: '^[^=]+=.*$', words: 'key=value' },
  ruleId: {
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$',
    words: 'letters, digits, "_", "." and "-" (at most 63, starting with a letter or digit)',
  },
  httpUrl: { pattern: '^https?://', words: 'an http:// or https:// URL' },
  identifier: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', words: 'letters, digits and "_", not starting with a digit' },
  priceName: {
    pattern: '^[a-z0-9][a-z0-9_.-]*$',
    words: 'lower-case letters, digits, ".", "_" or "-"',
  },
  clusterName: {
    pattern: '^([A-Za-z_][A-Za-z0-9_.-]*)?$',
    words: 'letters, digits, "_", "." and "-", not starting with a digit',
  },
} as const;

const PATTERN_WORDS: Record<string, string> = Object.fromEntries(
  Object.values(PATTERNS).map((p) => [p.pattern, p.words]),
);

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  string: 'text',
  array: 'a list',
  object: 'an object',
};

/** What `e` says is wrong, without the field's name: "must be key=value (got "x")". */
export function schemaErrorText(e: SchemaError, value?: unknown): string {
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  const p = e.params;
  switch (e.keyword) {
    case 'pattern': {
      const words = PATTERN_WORDS[String(p.pattern)];
      return `${words ? `must be ${words}` : (e.message ?? 'is not valid')}${got}`;
    }
    case 'type':
      return `must be ${TYPE_WORDS[String(p.type)] ?? String(p.type)}${got}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}${got}`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}"`;
    case 'required':
      return `"${String(p.missingProperty)}" is required`;
    case 'minLength':
      return p.limit === 1 ? `must not be empty${got}` : `${e.message}${got}`;
    default:
      return `${e.message ?? 'is not valid'}${got}`;
  }
}

/** The value at a JSON Pointer (`/rules/0/window`) in `root`, or undefined. */
export function valueAt(root: unknown, pointer: string): unknown {
  let v: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

/**
 * An option file's first mistake, as its reader reports it: a misspelt field before any other
 * error (it is also why a field is missing), the field's JSON Pointer, and what is wrong —
 * `unknownField(at)` words a field the schema has no place for at `at`.
 */
export function fileMistake(
  errors: readonly SchemaError[],
  data: unknown,
  unknownField: (at: string) => string,
): { field: string; text: string } {
  const e = errors.find((x) => x.keyword === 'additionalProperties') ?? errors[0]!;
  if (e.keyword === 'additionalProperties')
    return { field: `${e.instancePath}/${String(e.params.additionalProperty)}`, text: unknownField(e.instancePath) };
  return { field: e.instancePath, text: schemaErrorText(e, valueAt(data, e.instancePath)) };
}
