/**
 * The parts of `@azure/functions` (v4 programming model) fntrace reads, declared here so the
 * SDK does not depend on that package at run time: the library's own `InvocationContext` and
 * `HttpRequest` fit these shapes, and so does any stand-in of the same shape.
 */
export interface AzureInvocationContext {
  invocationId: string;
  functionName: string;
  /** The host's W3C context for this invocation (the host's own span, when it made one). */
  traceContext?: { traceParent?: string | undefined; traceState?: string | undefined } | undefined;
  /**
   * What the trigger knows of its input, keys camel-cased by the library — nested keys too, so a
   * Service Bus application property `Diagnostic-Id` arrives as `diagnostic-Id`.
   */
  triggerMetadata?: Record<string, unknown> | undefined;
  retryContext?: { retryCount?: number; maxRetryCount?: number } | undefined;
  options?: { trigger?: AzureTrigger | undefined } | undefined;
  trace?(...args: unknown[]): void;
  debug?(...args: unknown[]): void;
  info?(...args: unknown[]): void;
  warn?(...args: unknown[]): void;
  error?(...args: unknown[]): void;
}

/** The trigger binding as registered (`app.http(...)`, `app.serviceBusQueue(...)`, ...). */
export interface AzureTrigger {
  /** `httpTrigger`, `serviceBusTrigger`, `queueTrigger`, `timerTrigger`, ... */
  type: string;
  name?: string;
  route?: string;
  queueName?: string;
  topicName?: string;
  subscriptionName?: string;
  cardinality?: 'one' | 'many';
  schedule?: string;
  [key: string]: unknown;
}

/** An HTTP trigger's request: the library's `HttpRequest` (a fetch `Request` underneath). */
export interface AzureHttpRequest {
  method: string;
  url: string;
  headers: Iterable<[string, string]>;
}
