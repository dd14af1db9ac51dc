/**
 * The query API's shapes, as the collector declares them (`@fntrace/collector/api`: types
 * derived from the JSON Schemas of its routes). Imported as types only: the dashboard bundle
 * holds none of the collector's code.
 */
export type {
  AlertPreview,
  AlertRule,
  ApiSpan,
  HistoryEntry,
  InvocationFacts as Invocation,
  Journey,
  JourneyEdge,
  LogRecord,
  LossGap,
  MapEdge,
  MapNode,
  Metrics,
  MetricsPoint,
  RuleAnswer,
  RuleStatus,
  SearchPage,
  ServiceList,
  ServiceMap,
  Signal,
  Silence,
  TelemetryLoss,
  TraceIdList,
  TracePoints,
  TraceSummary,
  TraceView,
  VirtualParent,
} from '@fntrace/collector/api';
