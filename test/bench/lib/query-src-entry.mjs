// Bundled by the query bench (esbuild, from source) so its child process opens the engine,
// creates the schema and runs the query API's own functions exactly as the collector does.
export { resolveCollectorOptions } from '../../../collector/src/config/options.ts';
export { metrics } from '../../../collector/src/query/metrics.ts';
export { serviceMap } from '../../../collector/src/query/service-map.ts';
export { loadTraceSpans } from '../../../collector/src/query/spans.ts';
export { searchTraces, tracePoints } from '../../../collector/src/query/trace-search.ts';
export { traceView } from '../../../collector/src/query/trace-view.ts';
export { migrate } from '../../../collector/src/schema.ts';
export { openStore } from '../../../collector/src/store/clickhouse.ts';
export { columnList, SPAN_COLUMNS } from '../../../collector/src/store/columns.ts';
export { DEFAULT_PRICES } from '../../../collector/src/store/prices.ts';
