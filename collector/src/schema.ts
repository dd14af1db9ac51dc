import { ALERT_MIGRATIONS } from './alerts/store.js';
import type { Store } from './store/clickhouse.js';
import {
  migrate as runPlan,
  STORE_MIGRATIONS,
  schemaPlan,
  installStatements as statementsOf,
} from './store/migrations.js';
import type { Price } from './store/prices.js';
import type { SchemaOptions } from './store/schema.js';

/**
 * The collector's schema: the migrations each stage declares for its own tables — the store's
 * (spans, logs and their views) and the alerts' — as one plan in version order. The collector
 * runs it at start-up; `fntrace schema` prints it.
 */
export const MIGRATIONS = schemaPlan(STORE_MIGRATIONS, ALERT_MIGRATIONS);

/** The version the schema is at once every migration ran. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Applies what the store has not had yet; resolves to the versions applied. */
export const migrate = (
  store: Store,
  retentionDays: number,
  log?: (msg: string) => void,
  layout?: { mapBuckets?: boolean; prices?: readonly Price[]; tailSamplingHoldSeconds?: number },
) => runPlan(store, MIGRATIONS, retentionDays, log, layout);

/** Every statement of the plan on an empty database (what `fntrace schema` prints). */
export const installStatements = (o: SchemaOptions) => statementsOf(MIGRATIONS, o);
