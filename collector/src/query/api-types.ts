/**
 * `@fntrace/collector/api`: the types of what the query and alert API answer, for clients.
 * Types only — the package exports this entry with a `types` condition and no code, so a
 * client (the dashboard) imports it with `import type` and bundles nothing of the collector.
 * Each answer type is derived from the JSON Schema of the route that answers it (answers.ts,
 * trace-answers.ts, overview-answers.ts, alerts/answers.ts), so a change to an answer is a
 * type error where it is read.
 *
 * @example
 * import type { TraceView } from '@fntrace/collector/api';
 * const view = (await (await fetch(`/api/traces/${id}`)).json()) as TraceView;
 */

export type {
  AlertPreview,
  HistoryEntry,
  RuleAnswer,
  RuleStatus,
  Silence,
} from '../alerts/answers.js';
export type { AlertRule, Signal } from '../alerts/rule.js';
export type { InvocationFacts, TraceSummary } from '../stitch/trace-facts.js';
export type { OrphanClass } from '../stitch/tree.js';
export type { ErrorBody, LogRecord, SearchPage, TraceIdList, TracePoint, TracePoints } from './answers.js';
export type { LossGap, TelemetryLoss } from './loss-answers.js';
export type {
  MapEdge,
  MapNode,
  Metrics,
  MetricsPoint,
  ServiceList,
  ServiceMap,
} from './overview-answers.js';
export type { LogQuery, MetricsQuery, SearchQuery, TelemetryLossQuery } from './parameters.js';
export type { ApiSpan, Journey, JourneyEdge, TraceView, VirtualParent } from './trace-answers.js';
