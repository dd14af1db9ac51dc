/**
 * The shapes the query API answers with, in one place for clients in this repository: the
 * dashboard imports them as types (nothing of the collector is bundled into it), so a change
 * to an answer is a type error where it is read.
 */

export type { AlertPreview, RuleStatus } from '../alerts/engine.js';
export type { AlertRule } from '../alerts/rule.js';
export type { InvocationFacts, TraceSummary } from '../stitch/trace-facts.js';
export type { OrphanClass } from '../stitch/tree.js';
export type { LogRecord } from './invocations-logs.js';
export type { Journey, JourneyEdge } from './journey.js';
export type { Metrics, MetricsPoint } from './metrics.js';
export type { MapEdge, MapNode, ServiceMap } from './service-map.js';
export type { TracePoint, TracePoints } from './trace-search.js';
export type { ApiSpan, TraceView, VirtualParent } from './trace-view.js';
