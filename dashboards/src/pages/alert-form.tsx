import { useMemo, useState } from 'preact/hooks';
import { request } from '../api.js';
import { Chart } from '../components/chart.js';
import { ms } from '../format.js';
import type { AlertPreview, AlertRule, RuleAnswer, Signal } from '../view-model/types.js';

/**
 * The rule form: every field the alert API has, to create a rule or to edit one made through
 * the API (rules from the rules file are read-only and never come here), and a preview —
 * "what would this rule have said over the last 24 hours?" — drawn on the signal's chart
 * with the threshold, before it can page anyone. The API's warnings (a service or function
 * that has not reported in the rule's window) are shown, not refused.
 */

/**
 * Every signal a rule can watch, in the order the form offers them, with what it measures.
 * Keyed by the collector's `Signal`: a signal added there and not here does not compile.
 */
export const SIGNALS = {
  latency_p95: '95th percentile duration of requests, ms',
  latency_p99: '99th percentile duration of requests, ms',
  latency_p90: '90th percentile duration of requests, ms',
  latency_p50: 'median duration of requests, ms',
  error_rate: 'requests that failed, %',
  throughput: 'requests per second',
  cold_start_rate: 'invocations that started cold, %',
  init_p95: '95th percentile init duration of cold starts, ms',
  timeout_rate: 'invocations that timed out, %',
  telemetry_loss: 'invocations whose telemetry was lost, %',
} satisfies Record<Signal, string>;
const SIGNAL_ORDER = Object.keys(SIGNALS) as Signal[];

const NO_DATA = {
  no_data: 'say "no data" (a firing rule notifies it)',
  ok: 'treat as fine (a firing rule resolves)',
  alerting: 'treat as breaching (fire)',
  keep: 'keep the last state',
} satisfies Record<AlertRule['noData'], string>;
const GROUP_BY = ['none', 'function', 'operation', 'service'] as const satisfies readonly AlertRule['groupBy'][];
const SEVERITIES = ['info', 'warning', 'critical'] as const satisfies readonly AlertRule['severity'][];
const TRIGGERS = ['http', 'pubsub', 'datasource', 'timer', 'other'];

type Channel = AlertRule['channels'][number];

export interface RuleFormValues {
  name: string;
  service: string;
  function: string;
  operation: string;
  trigger: string;
  signal: Signal;
  comparator: AlertRule['comparator'];
  threshold: string;
  window: string;
  interval: string;
  for: string;
  minSamples: string;
  excludeColdStarts: boolean;
  groupBy: AlertRule['groupBy'];
  noData: AlertRule['noData'];
  severity: AlertRule['severity'];
  labels: string;
  repeatInterval: string;
  channels: Channel[];
}

/** The API's defaults (the rule schema's), so a new rule shows what it will get. */
export const EMPTY: RuleFormValues = {
  name: '',
  service: '',
  function: '',
  operation: '',
  trigger: '',
  signal: 'latency_p95',
  comparator: '>',
  threshold: '500',
  window: '5m',
  interval: '1m',
  for: '0s',
  minSamples: '1',
  excludeColdStarts: false,
  groupBy: 'none',
  noData: 'no_data',
  severity: 'warning',
  labels: '',
  repeatInterval: '4h',
  channels: [{ type: 'webhook', url: '' }],
};

/** A rule as the API shows it (channel URLs masked: sent back as they are, they keep the URLs). */
export function valuesOf(rule: AlertRule): RuleFormValues {
  return {
    name: rule.name,
    service: rule.target.service ?? '',
    function: rule.target.function ?? '',
    operation: rule.target.operation ?? '',
    trigger: rule.target.trigger ?? '',
    signal: rule.signal,
    comparator: rule.comparator,
    threshold: String(rule.threshold),
    window: rule.window,
    interval: rule.interval,
    for: rule.for,
    minSamples: String(rule.minSamples),
    excludeColdStarts: rule.excludeColdStarts,
    groupBy: rule.groupBy,
    noData: rule.noData,
    severity: rule.severity,
    labels: Object.entries(rule.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
    repeatInterval: rule.repeatInterval,
    channels: rule.channels.length > 0 ? rule.channels.map((c) => ({ ...c })) : [{ type: 'webhook', url: '' }],
  };
}

/** `team=payments, tier=1` → `{ team: 'payments', tier: '1' }`; throws naming an entry that is not `key=value`. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`labels: "${entry}" is not key=value`);
    labels[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return labels;
}

/** The request body: every field, as the API takes it. */
export function bodyOf(f: RuleFormValues) {
  const target = Object.fromEntries(
    (['service', 'function', 'operation', 'trigger'] as const).filter((k) => f[k].trim()).map((k) => [k, f[k].trim()]),
  );
  return {
    name: f.name,
    target,
    signal: f.signal,
    comparator: f.comparator,
    // left empty it is left out, and the API says it is required (Number('') would be 0)
    threshold: f.threshold.trim() === '' ? undefined : Number(f.threshold),
    window: f.window,
    interval: f.interval,
    for: f.for,
    minSamples: f.minSamples.trim() === '' ? undefined : Number(f.minSamples),
    excludeColdStarts: f.excludeColdStarts,
    groupBy: f.groupBy,
    noData: f.noData,
    severity: f.severity,
    labels: parseLabels(f.labels),
    repeatInterval: f.repeatInterval,
    channels: f.channels.filter((c) => c.url.trim()).map((c) => ({ type: c.type, url: c.url.trim() })),
  };
}

export function RuleForm({
  editing,
  initial,
  services,
  onSaved,
  onCancel,
}: {
  /** The id of the rule being edited; undefined: a new rule. */
  editing: string | undefined;
  initial: RuleFormValues;
  /** Services seen lately, offered as the service field's suggestions. */
  services: string[];
  /** The page shows what was saved, with the API's warnings (this form is made afresh). */
  onSaved: (rule: AlertRule, warnings: string[]) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState(initial);
  const [preview, setPreview] = useState<AlertPreview | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [warnings, setWarnings] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const update = (patch: Partial<RuleFormValues>) => {
    // editing the form clears the last error (it was about what is being changed)
    setError(undefined);
    setForm((f) => ({ ...f, ...patch }));
  };
  const text = (k: keyof RuleFormValues) => ({
    name: k,
    value: form[k] as string,
    onInput: (e: Event) => update({ [k]: (e.target as HTMLInputElement).value }),
  });
  // a select's name is its label alone (nested in a <label>, Chromium adds the chosen option)
  const choice = (k: keyof RuleFormValues, label: string) => ({
    name: k,
    'aria-label': label,
    value: form[k] as string,
    onChange: (e: Event) => update({ [k]: (e.target as HTMLSelectElement).value }),
  });
  const setChannel = (i: number, patch: Partial<Channel>) =>
    update({ channels: form.channels.map((c, j) => (j === i ? { ...c, ...patch } : c)) });

  const act = (fn: () => Promise<void>) => {
    setError(undefined);
    setBusy(true);
    fn()
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false));
  };
  const save = () =>
    act(async () => {
      const body = bodyOf(form);
      const answer = editing
        ? await request<RuleAnswer>('PUT', `alerts/rules/${encodeURIComponent(editing)}`, body)
        : await request<RuleAnswer>('POST', 'alerts/rules', body);
      onSaved(answer.rule, answer.warnings);
    });
  const runPreview = () =>
    act(async () => {
      const answer = await request<AlertPreview>('POST', 'alerts/preview', {
        ...bodyOf(form),
        name: form.name || 'preview',
      });
      setPreview(answer);
      setWarnings(answer.warnings);
    });

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
  const fired = preview?.points.filter((p) => p.notify === 'firing').length ?? 0;
  const latency = form.signal.startsWith('latency');
  const title = editing ? `Edit rule ${initial.name}` : 'New rule';

  return (
    <section class="rule-form" aria-label={title}>
      <h2>{title}</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form
        class="filters rule-fields"
        aria-label={editing ? 'Edit alert rule' : 'New alert rule'}
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <fieldset>
          <legend>Rule</legend>
          <label>
            Name
            <input {...text('name')} required />
          </label>
          <label>
            Severity
            <select {...choice('severity', 'Severity')}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Labels
            <input {...text('labels')} placeholder="team=payments, tier=1" />
          </label>
        </fieldset>
        <fieldset>
          <legend>Target (any combination; empty: everything)</legend>
          <label>
            Service
            <input {...text('service')} list="alert-services" autocomplete="off" />
          </label>
          <datalist id="alert-services">
            {services.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <label>
            Function
            <input {...text('function')} />
          </label>
          <label>
            Operation
            <input {...text('operation')} />
          </label>
          <label>
            Trigger
            <select {...choice('trigger', 'Trigger')}>
              <option value="">any</option>
              {TRIGGERS.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Condition</legend>
          <label>
            Signal
            <select {...choice('signal', 'Signal')}>
              {SIGNAL_ORDER.map((s) => (
                <option key={s} value={s} title={SIGNALS[s]}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Is
            <select {...choice('comparator', 'Is')}>
              {['>', '>=', '<', '<='].map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Threshold
            <input {...text('threshold')} type="number" step="any" required />
          </label>
          <label>
            Window
            <input {...text('window')} placeholder="5m" />
          </label>
          <label class="check" title="latency signals only">
            <input
              type="checkbox"
              name="excludeColdStarts"
              checked={form.excludeColdStarts}
              disabled={!latency}
              onChange={(e) => update({ excludeColdStarts: (e.target as HTMLInputElement).checked })}
            />
            Leave cold starts out
          </label>
        </fieldset>
        <fieldset>
          <legend>Evaluation</legend>
          <label>
            Evaluate every
            <input {...text('interval')} placeholder="1m" />
          </label>
          <label>
            For
            <input {...text('for')} placeholder="0s" />
          </label>
          <label>
            Min samples
            <input {...text('minSamples')} type="number" min="0" step="1" />
          </label>
          <label>
            Group by
            <select {...choice('groupBy', 'Group by')}>
              {GROUP_BY.map((g) => (
                <option key={g} value={g}>
                  {g}
                </option>
              ))}
            </select>
          </label>
          <label>
            No data
            <select {...choice('noData', 'No data')}>
              {(Object.keys(NO_DATA) as AlertRule['noData'][]).map((k) => (
                <option key={k} value={k}>
                  {NO_DATA[k]}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Notify</legend>
          <label>
            Repeat every
            <input {...text('repeatInterval')} placeholder="4h" />
          </label>
          {form.channels.map((c, i) => (
            <div class="channel" key={i}>
              <label>
                Channel {i + 1}
                <select
                  name={`channel-${i}-type`}
                  aria-label={`Channel ${i + 1}`}
                  value={c.type}
                  onChange={(e) => setChannel(i, { type: (e.target as HTMLSelectElement).value as Channel['type'] })}
                >
                  <option value="webhook">webhook</option>
                  <option value="slack">Slack</option>
                </select>
              </label>
              <label>
                URL of channel {i + 1}
                <input
                  name={`channel-${i}-url`}
                  type="url"
                  value={c.url}
                  placeholder={c.type === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://…'}
                  onInput={(e) => setChannel(i, { url: (e.target as HTMLInputElement).value })}
                />
              </label>
              <button
                type="button"
                aria-label={`Remove channel ${i + 1}`}
                onClick={() => update({ channels: form.channels.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" onClick={() => update({ channels: [...form.channels, { type: 'webhook', url: '' }] })}>
            Add channel
          </button>
        </fieldset>
        <div class="form-actions">
          <button type="button" disabled={busy} onClick={runPreview}>
            Preview 24 h
          </button>
          <button type="submit" disabled={busy}>
            {editing ? 'Save' : 'Create'}
          </button>
          {editing && (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
      <Warnings warnings={warnings} />
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
    </section>
  );
}

/** The API's warnings about a rule it accepted. */
export function Warnings({ warnings }: { warnings: string[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul class="warnings" role="status" aria-label="Warnings">
      {warnings.map((w) => (
        <li key={w}>⚠ {w}</li>
      ))}
    </ul>
  );
}
