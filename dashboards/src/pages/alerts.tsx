import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, request } from '../api.js';
import { Chart } from '../components/chart.js';
import { dateTime, ms } from '../format.js';
import { href } from '../router.js';
import type { AlertPreview, HistoryEntry, RuleStatus, Signal, Silence } from '../view-model/types.js';

/**
 * Alerts: every rule with its state (per group), silences, history; a form to create a
 * rule and to preview it — "what would this rule have said over the last 24 hours?" — drawn
 * on the signal's chart with the threshold, before it can page anyone.
 */

/**
 * Every signal a rule can watch, in the order the form offers them, with what it measures.
 * Keyed by the collector's `Signal`: a signal added there and not here does not compile.
 */
const SIGNALS = {
  latency_p95: '95th percentile duration of requests, ms',
  latency_p99: '99th percentile duration of requests, ms',
  latency_p90: '90th percentile duration of requests, ms',
  latency_p50: 'median duration of requests, ms',
  error_rate: 'requests that failed, %',
  throughput: 'requests per second',
  cold_start_rate: 'invocations that started cold, %',
  init_p95: '95th percentile init duration of cold starts, ms',
  timeout_rate: 'invocations that timed out, %',
} satisfies Record<Signal, string>;
const SIGNAL_ORDER = Object.keys(SIGNALS) as Signal[];
const EMPTY = {
  name: '',
  service: '',
  function: '',
  signal: 'latency_p95',
  comparator: '>',
  threshold: '500',
  window: '5m',
  for: '0s',
  interval: '1m',
  webhook: '',
  slack: '',
};

export function AlertsPage({ params }: { params: URLSearchParams }) {
  const [rules, setRules] = useState<RuleStatus[]>([]);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [form, setForm] = useState(EMPTY);
  const [preview, setPreview] = useState<AlertPreview | undefined>();
  const [error, setError] = useState<string | undefined>();
  // what could not be loaded (rules, history): the empty-list lines are not shown then
  const [loadError, setLoadError] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const selected = params.get('rule') ?? undefined;

  useEffect(() => {
    get<{ rules: RuleStatus[] }>('alerts/rules').then(
      (r) => {
        setRules(r.rules);
        setLoadError(undefined);
      },
      (e: Error) => setLoadError(e.message),
    );
    get<{ history: HistoryEntry[] }>('alerts/history', { rule: selected, limit: '100' }).then(
      (r) => setHistory(r.history),
      (e: Error) => setLoadError(e.message),
    );
    const t = setInterval(() => setVersion((v) => v + 1), 5000);
    return () => clearInterval(t);
  }, [selected, version]);

  const body = () => ({
    name: form.name,
    target: Object.fromEntries(Object.entries({ service: form.service, function: form.function }).filter(([, v]) => v)),
    signal: form.signal,
    comparator: form.comparator,
    // left empty it is left out, and the API says it is required (Number('') would be 0)
    threshold: form.threshold.trim() === '' ? undefined : Number(form.threshold),
    window: form.window,
    for: form.for,
    interval: form.interval,
    channels: [
      ...(form.webhook ? [{ type: 'webhook', url: form.webhook }] : []),
      ...(form.slack ? [{ type: 'slack', url: form.slack }] : []),
    ],
  });
  const run = (fn: () => Promise<unknown>) => {
    setError(undefined);
    fn().then(
      () => setVersion((v) => v + 1),
      (e: Error) => setError(e.message),
    );
  };
  const chart = useMemo(() => {
    if (!preview) return undefined;
    return {
      x: preview.points.map((p) => p.t / 1000),
      series: [
        { label: form.signal, color: '#3a7bd5', values: preview.points.map((p) => p.value) },
        { label: 'threshold', color: '#d64545', values: preview.points.map(() => preview.threshold) },
      ],
    };
  }, [preview, form.signal]);
  // editing the form clears the last error (it was about what is being changed)
  const set = (k: keyof typeof EMPTY) => (e: Event) => {
    setError(undefined);
    setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  };
  const fired = preview?.points.filter((p) => p.notify === 'firing').length ?? 0;
  const nameOf = (id: string | undefined) => rules.find((r) => r.rule.id === id)?.rule.name ?? id ?? '';

  return (
    <section class="page">
      {(error ?? loadError) && (
        <p class="error" role="alert">
          {error ?? loadError}
        </p>
      )}
      <h2>Rules</h2>
      <table class="results" aria-label="Alert rules">
        <thead>
          <tr>
            <th>Rule</th>
            <th>Condition</th>
            <th>State</th>
            <th>Source</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.rule.id} data-rule={r.rule.id} class={r.rule.id === selected ? 'selected' : ''}>
              <td>
                <a href={href('alerts', { rule: r.rule.id })}>{r.rule.name}</a>
              </td>
              <td>
                {r.rule.signal} {r.rule.comparator} {r.rule.threshold} over {r.rule.window}
                {Object.entries(r.rule.target).map(([k, v]) => ` · ${k}=${v}`)}
              </td>
              <td>
                {r.states.length === 0 && <span class="badge">not evaluated yet</span>}
                {r.states.map((s) => (
                  <span key={s.group} class={`badge state-${s.state}`} title={`since ${dateTime(s.since)}`}>
                    {s.group ? `${s.group}: ` : ''}
                    {s.state.replaceAll('_', ' ')}
                  </span>
                ))}
                {r.silencedUntil && <span class="badge silenced">silenced until {dateTime(r.silencedUntil)}</span>}
              </td>
              <td>{r.source}</td>
              <td>
                {r.silencedUntil ? (
                  <button
                    type="button"
                    onClick={() =>
                      run(async () => {
                        const { silences } = await get<{ silences: Silence[] }>('alerts/silences');
                        for (const x of silences.filter((x) => x.ruleId === r.rule.id))
                          await request('DELETE', `alerts/silences/${encodeURIComponent(x.id)}`);
                      })
                    }
                  >
                    Unsilence
                  </button>
                ) : (
                  <button
                    type="button"
                    onClick={() =>
                      run(() =>
                        request('POST', 'alerts/silences', {
                          ruleId: r.rule.id,
                          durationMinutes: 60,
                          comment: 'from the dashboard',
                        }),
                      )
                    }
                  >
                    Silence 1h
                  </button>
                )}{' '}
                {r.source === 'api' && (
                  <button
                    type="button"
                    onClick={() => run(() => request('DELETE', `alerts/rules/${encodeURIComponent(r.rule.id)}`))}
                  >
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rules.length === 0 && !loadError && (
        <p class="empty">No rules yet. Create one below, or start the collector with --alert-rules rules.yaml.</p>
      )}

      <h2>New rule</h2>
      <form
        class="filters"
        aria-label="New alert rule"
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            await request('POST', 'alerts/rules', body());
            setForm(EMPTY);
            setPreview(undefined);
          });
        }}
      >
        <label>
          Name
          <input name="name" required value={form.name} onInput={set('name')} />
        </label>
        <label>
          Service
          <input name="service" value={form.service} onInput={set('service')} />
        </label>
        <label>
          Function
          <input name="function" value={form.function} onInput={set('function')} />
        </label>
        <label>
          Signal
          <select name="signal" value={form.signal} onChange={set('signal')}>
            {SIGNAL_ORDER.map((s) => (
              <option key={s} value={s} title={SIGNALS[s]}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Is
          <select name="comparator" value={form.comparator} onChange={set('comparator')}>
            {['>', '>=', '<', '<='].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Threshold
          <input name="threshold" type="number" step="any" required value={form.threshold} onInput={set('threshold')} />
        </label>
        <label>
          Window
          <input name="window" value={form.window} onInput={set('window')} />
        </label>
        <label>
          For
          <input name="for" value={form.for} onInput={set('for')} />
        </label>
        <label>
          Webhook URL
          <input name="webhook" type="url" value={form.webhook} onInput={set('webhook')} />
        </label>
        <label>
          Slack URL
          <input name="slack" type="url" value={form.slack} onInput={set('slack')} />
        </label>
        <button
          type="button"
          onClick={() =>
            run(async () =>
              setPreview(
                await request<AlertPreview>('POST', 'alerts/preview', { ...body(), name: form.name || 'preview' }),
              ),
            )
          }
        >
          Preview 24 h
        </button>
        <button type="submit">Create</button>
      </form>
      {preview && chart && (
        <section class="preview" aria-label="Preview">
          <p>
            Over the last 24 h this rule would have fired <strong data-fired={fired}>{fired}</strong> time
            {fired === 1 ? '' : 's'} (windows of {ms(preview.bucketMs)}).
          </p>
          <Chart
            title={`${form.signal} vs threshold`}
            x={chart.x}
            series={chart.series}
            unit={preview.unit === 'ms' ? ' ms' : preview.unit}
          />
        </section>
      )}

      <h2>History{selected ? ` of ${nameOf(selected)}` : ''}</h2>
      <table class="results" aria-label="Alert history">
        <thead>
          <tr>
            <th>Time</th>
            <th>Rule</th>
            <th>Event</th>
            <th class="num">Value</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {history.map((h, i) => (
            <tr key={i}>
              <td>{dateTime(Number(h.at))}</td>
              <td>
                {nameOf(h.ruleId)}
                {h.group ? ` (${h.group})` : ''}
              </td>
              <td>
                {h.kind === 'transition'
                  ? `${h.from} → ${h.to}`
                  : h.kind === 'delivery'
                    ? `${h.channel} attempt ${h.attempt}: ${h.status}`
                    : h.kind}
              </td>
              <td class="num">{h.value === null || h.value === undefined ? '—' : Number(h.value).toFixed(1)}</td>
              <td>{h.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {history.length === 0 && !loadError && (
        <p class="empty">Nothing has happened{selected ? ' to this rule' : ''} yet.</p>
      )}
      <p class="hint">
        <a href={href('traces')}>Back to traces</a>
      </p>
    </section>
  );
}
