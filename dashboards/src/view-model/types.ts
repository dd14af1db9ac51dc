/** The shapes the query API returns (see collector/src/query), as the dashboard uses them. */
export interface ApiSpan {
  virtual?: false;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  service: string;
  startMs: number;
  durationMs: number;
  startUnixNano: string;
  rawStartUnixNano: string;
  skewAdjustedMs?: number;
  status: { code: string; message: string };
  attributes: Record<string, string>;
  resource: Record<string, string>;
  scope: { name: string; version: string };
  events: { timeUnixNano: string; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, string> }[];
  depth: number;
  invocationId?: string;
  childCount: number;
}

export interface VirtualParent {
  virtual: true;
  spanId: string;
  depth: number;
  orphanClass: 'platform' | 'pending' | 'lost';
  label: string;
  childCount: number;
}

export interface Invocation {
  invocationId: string;
  functionName: string;
  instance: string;
  spanId: string;
  trigger: string;
  coldStart: boolean;
  initDurationMs: number;
  durationMs: number;
  billedDurationMs: number;
  memoryMb: number;
  costUsd: number;
  outcome: 'ok' | 'error' | 'timeout';
}

export interface TraceSummary {
  traceId: string;
  startMs: number;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
  rootService: string;
  rootOperation: string;
  invocations: number;
  coldStarts: number;
  costUsd: number;
}

export interface TraceView {
  traceId: string;
  rootSpanId?: string;
  summary?: TraceSummary;
  orphans: Record<string, number>;
  skew: { invocationId: string; instance: string; offsetMs: number }[];
  invocations: Invocation[];
  spans: (ApiSpan | VirtualParent)[];
}

export interface JourneyEdge {
  kind: 'message' | 'link' | 'correlation';
  fromTraceId: string;
  fromSpanId: string;
  toTraceId: string;
  toSpanId: string;
  messageId?: string;
  destination?: string;
  dwellMs?: number;
}

export interface Journey {
  traceId: string;
  traces: TraceSummary[];
  edges: JourneyEdge[];
  costUsd: number;
  truncated: boolean;
}
