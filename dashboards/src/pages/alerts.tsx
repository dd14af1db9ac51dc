import { useEffect, useRef, useState } from 'preact/hooks';
import { get, request } from '../api.js';
import { dateTime } from '../format.js';
import { href } from '../router.js';
import type { HistoryEntry, RuleStatus, ServiceList, Silence } from '../view-model/types.js';
import { EMPTY, RuleForm, type RuleFormValues, valuesOf, Warnings } from './alert-form.js';

/**
 * Alerts: every rule with its state (per group), silences, history; the rule form
 * (alert-form.tsx) to create a rule or edit one made through the API — rules from the rules
 * file are read-only here — with its preview over the last 24 hours.
 */
export function AlertsPage({ params }: { params: URLSearchParams }) {
  const [rules, setRules] = useState<RuleStatus[]>([]);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [services, setServices] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>();
  // what could not be loaded (rules, history): the empty-list lines are not shown then
  const [loadError, setLoadError] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  // the form: a new rule, or the rule being edited; `formKey` makes it afresh
  const [editing, setEditing] = useState<{ id: string; values: RuleFormValues } | undefined>();
  const [formKey, setFormKey] = useState(0);
  const [saved, setSaved] = useState<{ name: string; warnings: string[] } | undefined>();
  const formRef = useRef<HTMLDivElement>(null);
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
  useEffect(() => {
    get<ServiceList>('services', { since: '24h' }).then(
      (r) => setServices(r.services.map((s) => s.service)),
      () => undefined,
    );
  }, []);

  const run = (fn: () => Promise<unknown>) => {
    setError(undefined);
    fn().then(
      () => setVersion((v) => v + 1),
      (e: Error) => setError(e.message),
    );
  };
  const edit = (r: RuleStatus) => {
    setSaved(undefined);
    setEditing({ id: r.rule.id, values: valuesOf(r.rule) });
    setFormKey((k) => k + 1);
    requestAnimationFrame(() => formRef.current?.scrollIntoView({ block: 'start' }));
  };
  const closeForm = () => {
    setEditing(undefined);
    setFormKey((k) => k + 1);
  };
  const nameOf = (id: string | undefined) => rules.find((r) => r.rule.id === id)?.rule.name ?? id ?? '';
  const firing = (r: RuleStatus) => r.states.some((s) => s.state === 'firing');

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
            <tr
              key={r.rule.id}
              data-rule={r.rule.id}
              class={`${r.rule.id === selected ? 'selected' : ''}${firing(r) ? ' is-firing' : ''}`}
            >
              <td>
                <a href={href('alerts', { rule: r.rule.id })}>{r.rule.name}</a>
              </td>
              <td>
                {r.rule.signal} {r.rule.comparator} {r.rule.threshold} over {r.rule.window}
                {Object.entries(r.rule.target).map(([k, v]) => ` · ${k}=${v}`)}
                <div class="muted rule-more">
                  every {r.rule.interval}
                  {r.rule.for !== '0s' ? ` for ${r.rule.for}` : ''} · min {r.rule.minSamples} sample
                  {r.rule.minSamples === 1 ? '' : 's'} · no data: {r.rule.noData.replaceAll('_', ' ')}
                  {r.rule.groupBy !== 'none' ? ` · by ${r.rule.groupBy}` : ''}
                  {r.rule.excludeColdStarts ? ' · no cold starts' : ''} · {r.rule.severity} ·{' '}
                  {r.rule.channels.length === 0
                    ? 'no channel'
                    : `${r.rule.channels.length} channel${r.rule.channels.length === 1 ? '' : 's'}`}
                </div>
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
              <td>{r.source === 'file' ? 'rules file (read-only)' : 'API'}</td>
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
                  <>
                    <button type="button" aria-label={`Edit ${r.rule.name}`} onClick={() => edit(r)}>
                      Edit
                    </button>{' '}
                    <button
                      type="button"
                      aria-label={`Delete ${r.rule.name}`}
                      onClick={() =>
                        run(async () => {
                          await request('DELETE', `alerts/rules/${encodeURIComponent(r.rule.id)}`);
                          if (editing?.id === r.rule.id) closeForm();
                        })
                      }
                    >
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rules.length === 0 && !loadError && (
        <p class="empty">No rules yet. Create one below, or start the collector with --alert-rules rules.yaml.</p>
      )}

      <div ref={formRef}>
        {saved && (
          <div class="saved">
            <p role="status">Saved rule “{saved.name}”.</p>
            <Warnings warnings={saved.warnings} />
          </div>
        )}
        <RuleForm
          key={formKey}
          editing={editing?.id}
          initial={editing?.values ?? EMPTY}
          services={services}
          onSaved={(rule, warnings) => {
            setSaved({ name: rule.name, warnings });
            closeForm();
            setVersion((v) => v + 1);
          }}
          onCancel={closeForm}
        />
      </div>

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
