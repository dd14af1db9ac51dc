import type { AlertRule } from './rule.js';
import type { NotificationKind } from './state-machine.js';

/**
 * Notification bodies. The generic webhook gets one documented JSON document; Slack gets
 * an incoming-webhook message. Every request carries `Idempotency-Key: <notification id>`,
 * so a receiver can drop the rare duplicate (a delivery whose answer was lost in a crash).
 */
export interface AlertEvent {
  notificationId: string;
  kind: NotificationKind;
  rule: AlertRule;
  group: string;
  state: string;
  value: number | undefined;
  windowStartMs: number;
  windowEndMs: number;
  at: number;
}

/** What each signal's values are in (notifications, and the preview's chart in the dashboard). */
export const UNITS: Record<string, string> = {
  latency_p50: 'ms',
  latency_p90: 'ms',
  latency_p95: 'ms',
  latency_p99: 'ms',
  init_p95: 'ms',
  error_rate: '%',
  cold_start_rate: '%',
  timeout_rate: '%',
  telemetry_loss: '%',
  throughput: '/s',
};

export function tracesLink(publicUrl: string, e: AlertEvent): string {
  const q = new URLSearchParams();
  const t = e.rule.target ?? {};
  if (t.service) q.set('service', t.service);
  if (t.function) q.set('function', t.function);
  if (t.operation) q.set('operation', t.operation);
  if (t.trigger) q.set('trigger', t.trigger);
  if (e.group && e.rule.groupBy !== 'none') q.set(e.rule.groupBy, e.group);
  if (e.rule.signal === 'error_rate' || e.rule.signal === 'timeout_rate') q.set('status', 'error');
  if (e.rule.signal.startsWith('latency') && e.rule.comparator.startsWith('>'))
    q.set('minDurationMs', String(e.rule.threshold));
  if (e.rule.signal === 'cold_start_rate' || e.rule.signal === 'init_p95') q.set('coldStart', 'true');
  q.set('start', String(e.windowStartMs));
  q.set('end', String(e.windowEndMs));
  return `${publicUrl.replace(/\/+$/, '')}/#/traces?${q}`;
}

export const ruleLink = (publicUrl: string, e: AlertEvent) =>
  `${publicUrl.replace(/\/+$/, '')}/#/alerts?rule=${encodeURIComponent(e.rule.id)}`;

/** The generic webhook payload (documented in the README). */
export function webhookBody(publicUrl: string, e: AlertEvent) {
  return {
    version: 1,
    notificationId: e.notificationId,
    kind: e.kind,
    state: e.state,
    rule: {
      id: e.rule.id,
      name: e.rule.name,
      signal: e.rule.signal,
      comparator: e.rule.comparator,
      threshold: e.rule.threshold,
      unit: UNITS[e.rule.signal],
      window: e.rule.window,
      severity: e.rule.severity,
      labels: e.rule.labels,
      target: e.rule.target,
    },
    group: e.group || undefined,
    value: e.value ?? null,
    threshold: e.rule.threshold,
    window: { start: new Date(e.windowStartMs).toISOString(), end: new Date(e.windowEndMs).toISOString() },
    at: new Date(e.at).toISOString(),
    links: {
      traces: tracesLink(publicUrl, e),
      rule: ruleLink(publicUrl, e),
    },
  };
}

export function slackBody(publicUrl: string, e: AlertEvent) {
  const unit = UNITS[e.rule.signal] ?? '';
  const value = e.value === undefined ? 'no data' : `${Number(e.value.toFixed(2))}${unit === '/s' ? '/s' : ` ${unit}`}`;
  const head = { firing: 'FIRING', resolved: 'RESOLVED', no_data: 'NO DATA', repeat: 'STILL FIRING' }[e.kind];
  const group = e.group ? ` (${e.rule.groupBy} ${e.group})` : '';
  if (e.kind === 'no_data') {
    const enough = e.rule.minSamples > 1 ? `fewer than ${e.rule.minSamples} samples` : 'no samples';
    return {
      text: `[${head}] ${e.rule.name}${group}: ${e.rule.signal} had ${enough} over ${e.rule.window} while firing — <${ruleLink(publicUrl, e)}|rule>`,
    };
  }
  const text = `[${head}] ${e.rule.name}${group}: ${e.rule.signal} ${value} ${e.rule.comparator} ${e.rule.threshold} over ${e.rule.window} — <${tracesLink(publicUrl, e)}|offending traces>`;
  return { text };
}
