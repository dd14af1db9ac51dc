/**
 * Coded errors of `@fntrace/sdk`. Every code is listed in the README's error table
 * (a test keeps the two in step). The SDK throws only at set-up time — `wrap()` with
 * an argument that can never work — never while an invocation runs.
 *
 * @example
 * try { wrap(config.handler); } catch (e) {
 *   if (e instanceof FntraceError && e.code === ERROR_CODES.INVALID_HANDLER) ...
 * }
 */
export class FntraceError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'FntraceError';
    this.code = code;
  }
}

/** Codes the SDK may throw (set-up) or report through diagnostics (run time). */
export const ERROR_CODES = {
  INVALID_HANDLER: 'FNTRACE_ERR_SDK_INVALID_HANDLER',
  INVALID_OPTION: 'FNTRACE_ERR_SDK_INVALID_OPTION',
  EXPORT_FAILED: 'FNTRACE_ERR_SDK_EXPORT_FAILED',
  DROPPED: 'FNTRACE_ERR_SDK_DROPPED',
  QUEUE_FULL: 'FNTRACE_ERR_SDK_QUEUE_FULL',
  RETRY_LIMIT: 'FNTRACE_ERR_SDK_RETRY_LIMIT',
  SHUTDOWN_INCOMPLETE: 'FNTRACE_ERR_SDK_SHUTDOWN_INCOMPLETE',
  INTERNAL: 'FNTRACE_ERR_SDK_INTERNAL',
  BAD_ENV: 'FNTRACE_ERR_SDK_BAD_ENV',
  GLOBAL_REGISTERED: 'FNTRACE_ERR_SDK_GLOBAL_REGISTERED',
  CONTEXT_NOT_CARRIED: 'FNTRACE_ERR_SDK_CONTEXT_NOT_CARRIED',
  CLIENT_NOT_INSTRUMENTED: 'FNTRACE_ERR_SDK_CLIENT_NOT_INSTRUMENTED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export function invalidHandler(got: unknown): FntraceError {
  return new FntraceError(
    ERROR_CODES.INVALID_HANDLER,
    `wrap() expects a handler function, got ${got === null ? 'null' : typeof got}`,
  );
}

export function invalidOption(option: string, expected: string, got: unknown): FntraceError {
  return new FntraceError(
    ERROR_CODES.INVALID_OPTION,
    `option "${option}" must be ${expected}, got ${JSON.stringify(got)}`,
  );
}
