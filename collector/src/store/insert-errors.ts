/**
 * Which insert failures are the data's fault. A failed insert is either *transient* — the store
 * is down, slow, full or short of memory, and the same insert will work later — or
 * *deterministic*: the engine refused the rows themselves (a value it cannot parse, a
 * computation that overflows), and the same insert will fail the same way for ever. The writer
 * retries the first kind with backoff and isolates the rows behind the second (isolate.ts).
 *
 * Deterministic means one of the error names below, which ClickHouse gives only for what it
 * read or computed from the rows (the embedded engine and a server name errors alike: the
 * client reads `type` from the `(NAME)` at the end of the message). Everything else is
 * transient: network errors and timeouts (no ClickHouse code at all), TOO_MANY_PARTS,
 * MEMORY_LIMIT_EXCEEDED, TIMEOUT_EXCEEDED, a missing table or a read-only replica (an operator
 * fixes those), VIOLATED_CONSTRAINT (a CHECK an operator added refuses what it refuses until
 * it is dropped; fntrace's schema has none) and BAD_ARGUMENTS (as likely the query's or a
 * setting's as the data's). Retrying a deterministic error is safe, only
 * slow; quarantining a transient one would move good rows aside, so unknown errors are transient.
 */
export const DATA_ERRORS: ReadonlySet<string> = new Set([
  // reading the JSONEachRow text
  'CANNOT_PARSE_TEXT',
  'CANNOT_PARSE_ESCAPE_SEQUENCE',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_NUMBER',
  'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME',
  'CANNOT_PARSE_BOOL',
  'CANNOT_PARSE_UUID',
  'CANNOT_READ_ARRAY_FROM_TEXT',
  'CANNOT_READ_MAP_FROM_TEXT',
  'ATTEMPT_TO_READ_AFTER_EOF',
  'INCORRECT_DATA',
  'TYPE_MISMATCH',
  'CANNOT_CONVERT_TYPE',
  'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
  'UNKNOWN_ELEMENT_OF_ENUM',
  'TOO_LARGE_STRING_SIZE',
  'TOO_LARGE_ARRAY_SIZE',
  'SIZES_OF_ARRAYS_DONT_MATCH',
  // computing the materialized views' columns from them
  'DECIMAL_OVERFLOW',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'ARGUMENT_OUT_OF_BOUND',
  'ILLEGAL_DIVISION',
  'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO',
]);

export interface InsertFailure {
  /** `deterministic`: the rows themselves are refused; `transient`: retry the same insert later */
  kind: 'deterministic' | 'transient';
  /**
   * The engine refused the rows while a materialized view computed from them: the table itself
   * had already taken the block (ClickHouse inserts are not atomic across views), under the
   * insert's deduplication token. Only with `deterministic`.
   */
  inView: boolean;
  /** ClickHouse's error name, when it gave one */
  name: string | undefined;
  /** the message, with its name, for logs and the quarantine */
  text: string;
}

/** Classifies an error thrown by an insert (see the module comment). */
export function classifyInsertError(err: unknown): InsertFailure {
  const e = err as { type?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const name = typeof e?.type === 'string' && e.type !== '' ? e.type : /\(([A-Z][A-Z0-9_]+)\)\s*$/.exec(message)?.[1];
  const deterministic = name !== undefined && DATA_ERRORS.has(name);
  const words = tidy(message);
  const text = name && !words.includes(`(${name})`) ? `${name}: ${words}` : words;
  return {
    kind: deterministic ? 'deterministic' : 'transient',
    inView: deterministic && /while pushing to view/i.test(message),
    name,
    text,
  };
}

/**
 * The engine's message without what only it needs: the file it read (a temporary one while
 * isolating rows), the row within that file (the quarantine names the line in the segment)
 * and the pipeline steps.
 */
function tidy(message: string): string {
  return message
    .replace(/\s*:?\s*\(in file\/uri [^)]*\)/g, '')
    .replace(/\s*:?\s*\(at row \d+\)/g, '')
    .replace(/(\s*:?\s*While executing [A-Za-z]+\.?)+/g, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\s:]+$/, '')
    .trim();
}
