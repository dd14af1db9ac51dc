/**
 * Why spans and log records are not accepted: the `reason` label of
 * `fntrace_refused_items_total`, named the way Tempo names its discard reasons. `/metrics`
 * describes the label from this list, and docs/collector.md lists the same reasons with the
 * same words (test/docs.test.ts holds the two together).
 *
 * `item` reasons are rules one span or log record broke (item-rules.ts): it alone is refused,
 * in `partial_success`, and counted. `request` reasons refuse a whole request with an error
 * status; `counts` says what the metric counts for them — the items, when the body was
 * decoded before the refusal, else the request (its items are not known).
 */
export const REFUSAL_REASONS = {
  invalid: { scope: 'item', counts: 'items', when: 'ids of the wrong length, or an all-zero trace or span id' },
  timestamp_zero: {
    scope: 'item',
    counts: 'items',
    when: "a span's start or end is 0; a log record's time and observed time both are",
  },
  timestamp_out_of_range: {
    scope: 'item',
    counts: 'items',
    when: "a time after 2106-02-07T06:28:15Z, past what the tables' DateTime columns hold",
  },
  too_far_in_future: {
    scope: 'item',
    counts: 'items',
    when: "a time more than `--max-future-skew` (default `5m`) ahead of the collector's clock",
  },
  older_than_retention: {
    scope: 'item',
    counts: 'items',
    when: "a span's start or a log record's time more than `--retention-days` ago (none with `0`)",
  },
  undecodable: {
    scope: 'request',
    counts: 'requests',
    when: 'the body is not OTLP protobuf or JSON, or its gzip or deflate is broken (400)',
  },
  too_large: {
    scope: 'request',
    counts: 'requests',
    when: 'the body is over `--body-limit-bytes` or inflates past `--max-decompressed-bytes` (413)',
  },
  overloaded: {
    scope: 'request',
    counts: 'requests',
    when: 'more than `--max-inflight-requests` requests are being ingested (429)',
  },
  spool_full: {
    scope: 'request',
    counts: 'items',
    when: 'the spool is at `--spool-max-bytes` while storage catches up (503)',
  },
  spool_error: {
    scope: 'request',
    counts: 'items',
    when: 'the spool could not be written, or the collector is stopping (503)',
  },
} as const satisfies Record<string, { scope: 'item' | 'request'; counts: 'items' | 'requests'; when: string }>;

export type RefusalReason = keyof typeof REFUSAL_REASONS;
/** The reasons a single span or log record is refused for. */
export type ItemRefusalReason = {
  [R in RefusalReason]: (typeof REFUSAL_REASONS)[R]['scope'] extends 'item' ? R : never;
}[RefusalReason];
