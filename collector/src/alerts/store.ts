import type { Store } from '../store/clickhouse.js';
import type { Migration } from '../store/migrations.js';
import type { HistoryEntry, Silence } from './answers.js';
import type { AlertRule } from './rule.js';
import type { AlertState, NotificationKind } from './state-machine.js';

export type { Silence };

/**
 * Alert state, history, silences, rules made through the API, and the notification outbox
 * live in ClickHouse, so a restart (or another replica taking over) loses nothing. Tables
 * that hold "the latest version of a thing" are ReplacingMergeTree keyed by it and read
 * with FINAL.
 */
export interface Notification {
  id: string;
  ruleId: string;
  group: string;
  kind: NotificationKind;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
}

/** The alerts' tables, which the collector adds to the store's migrations (schema.ts). */
export const ALERT_MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    name: 'alerts: state, history, silences, rules, notifications; otel_traces.IngestedAt',
    statements: (o) => alertSchemaStatements(o.database, o.cluster, o.retentionDays),
  },
];

function alertSchemaStatements(db: string, cluster: string, retentionDays: number): string[] {
  const on = cluster ? ` ON CLUSTER \`${cluster}\`` : '';
  const engine = (kind: string, name: string, args = '') =>
    cluster
      ? `Replicated${kind}('/clickhouse/tables/{shard}/${db}/${name}', '{replica}'${args ? `, ${args}` : ''})`
      : `${kind}(${args})`;
  const ttl = retentionDays > 0 ? `TTL toDateTime(At) + toIntervalDay(${retentionDays})` : '';
  const d = `\`${db}\``;
  return [
    `ALTER TABLE ${d}.\`${cluster ? 'otel_traces_local' : 'otel_traces'}\`${on} ADD COLUMN IF NOT EXISTS IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta, ZSTD(1))`,
    `CREATE TABLE IF NOT EXISTS ${d}.fntrace_alert_rules${on} (Id String, Body String, UpdatedAt DateTime64(3), Deleted UInt8)
     ENGINE = ${engine('ReplacingMergeTree', 'fntrace_alert_rules', 'UpdatedAt')} ORDER BY Id`,
    `CREATE TABLE IF NOT EXISTS ${d}.fntrace_alert_state${on} (RuleId String, GroupKey String, State String, Body String, UpdatedAt DateTime64(3))
     ENGINE = ${engine('ReplacingMergeTree', 'fntrace_alert_state', 'UpdatedAt')} ORDER BY (RuleId, GroupKey)`,
    `CREATE TABLE IF NOT EXISTS ${d}.fntrace_alert_silences${on} (Id String, RuleId String, GroupKey String, Until DateTime64(3), Comment String, UpdatedAt DateTime64(3), Deleted UInt8)
     ENGINE = ${engine('ReplacingMergeTree', 'fntrace_alert_silences', 'UpdatedAt')} ORDER BY Id`,
    `CREATE TABLE IF NOT EXISTS ${d}.fntrace_alert_notifications${on} (Id String, RuleId String, GroupKey String, Kind String, Payload String, Status String, Attempts UInt32, UpdatedAt DateTime64(3))
     ENGINE = ${engine('ReplacingMergeTree', 'fntrace_alert_notifications', 'UpdatedAt')} ORDER BY Id`,
    `CREATE TABLE IF NOT EXISTS ${d}.fntrace_alert_history${on} (At DateTime64(3), RuleId String, GroupKey String, Kind LowCardinality(String),
       FromState LowCardinality(String), ToState LowCardinality(String), Value Nullable(Float64), Threshold Float64,
       NotificationId String, Channel String, Attempt UInt32, Status LowCardinality(String), Detail String)
     ENGINE = ${engine('MergeTree', 'fntrace_alert_history')} ORDER BY (RuleId, At) ${ttl}`,
  ];
}

export class AlertStore {
  constructor(private readonly store: Store) {}

  private get db() {
    return `\`${this.store.database}\``;
  }

  private async rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.store.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  private insert(table: string, values: Record<string, unknown>[]) {
    return this.store.client.insert({ table: `${this.store.database}.${table}`, values, format: 'JSONEachRow' });
  }

  async apiRules(): Promise<AlertRule[]> {
    const rows = await this.rows<{ Body: string }>(
      `SELECT Body FROM ${this.db}.fntrace_alert_rules FINAL WHERE Deleted = 0 ORDER BY Id`,
    );
    return rows.map((r) => JSON.parse(r.Body) as AlertRule);
  }

  saveRule(rule: AlertRule, now: number) {
    return this.insert('fntrace_alert_rules', [
      { Id: rule.id, Body: JSON.stringify(rule), UpdatedAt: now, Deleted: 0 },
    ]);
  }

  deleteRule(id: string, now: number) {
    return this.insert('fntrace_alert_rules', [{ Id: id, Body: '', UpdatedAt: now, Deleted: 1 }]);
  }

  async states(): Promise<{ ruleId: string; group: string; state: AlertState }[]> {
    const rows = await this.rows<{ RuleId: string; GroupKey: string; Body: string }>(
      `SELECT RuleId, GroupKey, Body FROM ${this.db}.fntrace_alert_state FINAL`,
    );
    return rows.map((r) => ({ ruleId: r.RuleId, group: r.GroupKey, state: JSON.parse(r.Body) as AlertState }));
  }

  saveState(ruleId: string, group: string, state: AlertState, now: number) {
    return this.insert('fntrace_alert_state', [
      { RuleId: ruleId, GroupKey: group, State: state.state, Body: JSON.stringify(state), UpdatedAt: now },
    ]);
  }

  async silences(now: number): Promise<Silence[]> {
    const rows = await this.rows<{ Id: string; RuleId: string; GroupKey: string; until: string; Comment: string }>(
      `SELECT Id, RuleId, GroupKey, toString(toUnixTimestamp64Milli(Until)) AS until, Comment FROM ${this.db}.fntrace_alert_silences FINAL
       WHERE Deleted = 0 AND Until > fromUnixTimestamp64Milli({now:Int64}) ORDER BY Until`,
      { now },
    );
    return rows.map((r) => ({
      id: r.Id,
      ruleId: r.RuleId,
      group: r.GroupKey,
      untilMs: Number(r.until),
      comment: r.Comment,
    }));
  }

  saveSilence(s: Silence, now: number, deleted = false) {
    return this.insert('fntrace_alert_silences', [
      {
        Id: s.id,
        RuleId: s.ruleId,
        GroupKey: s.group,
        Until: s.untilMs,
        Comment: s.comment,
        UpdatedAt: now,
        Deleted: deleted ? 1 : 0,
      },
    ]);
  }

  async pendingNotifications(): Promise<Notification[]> {
    const rows = await this.rows<{
      Id: string;
      RuleId: string;
      GroupKey: string;
      Kind: string;
      Payload: string;
      Status: string;
      Attempts: number;
    }>(
      `SELECT Id, RuleId, GroupKey, Kind, Payload, Status, Attempts FROM ${this.db}.fntrace_alert_notifications FINAL WHERE Status = 'pending'`,
    );
    return rows.map((r) => ({
      id: r.Id,
      ruleId: r.RuleId,
      group: r.GroupKey,
      kind: r.Kind as Notification['kind'],
      payload: r.Payload,
      status: 'pending',
      attempts: Number(r.Attempts),
    }));
  }

  async notificationExists(id: string): Promise<boolean> {
    const rows = await this.rows<{ n: string }>(
      `SELECT count() AS n FROM ${this.db}.fntrace_alert_notifications WHERE Id = {id:String}`,
      { id },
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  saveNotification(n: Notification, now: number) {
    return this.insert('fntrace_alert_notifications', [
      {
        Id: n.id,
        RuleId: n.ruleId,
        GroupKey: n.group,
        Kind: n.kind,
        Payload: n.payload,
        Status: n.status,
        Attempts: n.attempts,
        UpdatedAt: now,
      },
    ]);
  }

  history(entry: {
    at: number;
    ruleId: string;
    group: string;
    kind: 'transition' | 'delivery' | 'silenced';
    from?: string;
    to?: string;
    value?: number;
    threshold: number;
    notificationId?: string;
    channel?: string;
    attempt?: number;
    status?: string;
    detail?: string;
  }) {
    return this.insert('fntrace_alert_history', [
      {
        At: entry.at,
        RuleId: entry.ruleId,
        GroupKey: entry.group,
        Kind: entry.kind,
        FromState: entry.from ?? '',
        ToState: entry.to ?? '',
        Value: entry.value ?? null,
        Threshold: entry.threshold,
        NotificationId: entry.notificationId ?? '',
        Channel: entry.channel ?? '',
        Attempt: entry.attempt ?? 0,
        Status: entry.status ?? '',
        Detail: entry.detail ?? '',
      },
    ]);
  }

  readHistory(ruleId: string | undefined, limit: number) {
    return this.rows<HistoryEntry>(
      `SELECT toString(toUnixTimestamp64Milli(At)) AS at, RuleId AS ruleId, GroupKey AS group, Kind AS kind, FromState AS from, ToState AS to,
         Value AS value, Threshold AS threshold, NotificationId AS notificationId, Channel AS channel, Attempt AS attempt, Status AS status, Detail AS detail
       FROM ${this.db}.fntrace_alert_history ${ruleId ? 'WHERE RuleId = {rule:String}' : ''} ORDER BY At DESC LIMIT {limit:UInt32}`,
      { rule: ruleId, limit },
    );
  }
}
