/**
 * How an export request leaves the process. Implementations never reject: a failed
 * send resolves with `ok: false` and whether a later retry could succeed.
 */
export interface SendResult {
  ok: boolean;
  /** HTTP status, when the collector answered. */
  status?: number;
  /** True for network errors, timeouts, 429 and 5xx: the data is kept for the next flush. */
  retryable: boolean;
  /**
   * True when the request certainly never reached the collector (the connection was refused,
   * or there was no time to send it): its items may go out again in a new request. Otherwise a
   * failed request may have been stored, and only its exact body may be sent again (the
   * collector recognises a repeated body and stores it once).
   */
  notSent?: boolean;
  /** Short reason for diagnostics (never contains header values). */
  reason?: string;
}

export interface Transport {
  send(url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<SendResult>;
}

export function classifyStatus(status: number): SendResult {
  if (status >= 200 && status < 300) return { ok: true, status, retryable: false };
  // the collector wants a token (fntrace's --ingest-token) that this function does not send, or not this one
  const hint =
    status === 401 || status === 403
      ? ': the collector refused the credentials; set them in OTEL_EXPORTER_OTLP_HEADERS (Authorization=Bearer%20<token>)'
      : '';
  return {
    ok: false,
    status,
    retryable: status === 429 || status >= 500 || status === 408,
    reason: `HTTP ${status}${hint}`,
  };
}
