// Types for what TypeScript tests use of big-trace.mjs.
export function bigTrace(n: number, options?: { traceId?: string; nowMs?: number }): { resourceSpans: unknown[] };
