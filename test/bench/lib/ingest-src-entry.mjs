// Bundled by the ingest bench (esbuild, from source) so its child processes use the
// collector's own options, store client, schema migrations, DDL and OTLP/protobuf decoder.
export { resolveCollectorOptions } from '../../../collector/src/config/options.ts';
export { decodeTracesProto } from '../../../collector/src/ingest/otlp-proto.ts';
export { rowsToJsonLines } from '../../../collector/src/ingest/row-json.ts';
export { migrate } from '../../../collector/src/schema.ts';
export { openStore } from '../../../collector/src/store/clickhouse.ts';
export { columnList, SPAN_COLUMNS, structureOf } from '../../../collector/src/store/columns.ts';
export { schemaStatements } from '../../../collector/src/store/schema.ts';
