/**
 * The query API's shapes, as the collector declares them (collector/src/query/api-types.ts).
 * Imported as types only: the dashboard bundle holds none of the collector's code.
 */
export type {
  ApiSpan,
  InvocationFacts as Invocation,
  Journey,
  JourneyEdge,
  TracePoints,
  TraceSummary,
  TraceView,
  VirtualParent,
} from '../../../collector/src/query/api-types.js';
