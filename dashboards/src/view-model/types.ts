/**
 * The query API's shapes, as the collector declares them (collector/src/query/api-types.ts).
 * Imported as types only: the dashboard bundle holds none of the collector's code.
 */
export type {
  AlertPreview,
  ApiSpan,
  InvocationFacts as Invocation,
  Journey,
  JourneyEdge,
  LogRecord,
  MapEdge,
  MapNode,
  Metrics,
  MetricsPoint,
  RuleStatus,
  ServiceMap,
  TracePoints,
  TraceSummary,
  TraceView,
  VirtualParent,
} from '../../../collector/src/query/api-types.js';
