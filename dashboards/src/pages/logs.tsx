import { useState } from 'preact/hooks';
import { CopyId } from '../components/copy-id.js';
import { Filters } from '../components/filters.js';
import { LogFields } from '../components/log-fields.js';
import { ServiceSelect } from '../components/service-select.js';
import { isCustom, rangePatch, rangeQuery, TimeRange } from '../components/time-range.js';
import { useApi } from '../components/use-api.js';
import { dateTime } from '../format.js';
import { href, navigate } from '../router.js';
import type { LogRecord } from '../view-model/types.js';

/** Logs: search by time, service, level, text and correlation id; each line links to its trace. */

export function LogsPage({ params }: { params: URLSearchParams }) {
  const q = new URLSearchParams(params);
  if (!q.has('since') && !isCustom(q)) q.set('since', '1h');
  const logs = useApi<{ logs: LogRecord[] }>('logs', q.toString());
  const [draft, setDraft] = useState<Record<string, string>>({});
  const value = (k: string) => draft[k] ?? params.get(k) ?? '';
  const apply = (e?: Event, extra: Record<string, string> = {}) => {
    e?.preventDefault();
    const next: Record<string, string> = {};
    for (const k of ['since', 'start', 'end', 'service', 'level', 'text', 'correlationId', 'traceId'])
      next[k] = value(k);
    setDraft({});
    navigate(href('logs', { ...next, ...extra }));
  };
  return (
    <section class="page">
      <Filters
        label="Search logs"
        set={['service', 'level', 'text', 'correlationId', 'traceId'].filter((k) => params.get(k)).length}
        onSubmit={apply}
      >
        <TimeRange params={params} onChange={(r) => apply(undefined, rangePatch(r))} />
        <ServiceSelect
          range={rangeQuery(params)}
          value={value('service')}
          onChange={(v) => setDraft((d) => ({ ...d, service: v }))}
        />
        {(['text', 'correlationId', 'traceId'] as const).map((k) => (
          <label key={k}>
            {k === 'text' ? 'Text' : k === 'correlationId' ? 'Correlation ID' : 'Trace ID'}
            <input
              name={k}
              value={value(k)}
              onInput={(e) => setDraft((d) => ({ ...d, [k]: (e.target as HTMLInputElement).value }))}
            />
          </label>
        ))}
        <label>
          Level
          <select
            name="level"
            value={value('level')}
            onChange={(e) => setDraft((d) => ({ ...d, level: (e.target as HTMLSelectElement).value }))}
          >
            {['', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => (
              <option key={l} value={l}>
                {l ? `${l} and above` : 'any'}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </Filters>
      {logs.loading && <p class="loading">Loading…</p>}
      {logs.error && (
        <p class="error" role="alert">
          {logs.error}
        </p>
      )}
      <table class="results logs-table" aria-label="Logs">
        <thead>
          <tr>
            <th>Time</th>
            <th>Level</th>
            <th>Service</th>
            <th>Message</th>
            <th>Trace</th>
          </tr>
        </thead>
        <tbody>
          {(logs.data?.logs ?? []).map((l, i) => (
            <tr key={i} class={`sev-${l.severityText.toLowerCase()}`}>
              <td>{dateTime(Number(BigInt(l.timeUnixNano) / 1_000_000n))}</td>
              <td>{l.severityText}</td>
              <td>{l.service}</td>
              <td>
                {l.body}
                <LogFields attributes={l.attributes} />
              </td>
              <td>{l.traceId ? <CopyId id={l.traceId} kind="trace" href={href('trace', {}, l.traceId)} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {logs.data && logs.data.logs.length === 0 && <p class="empty">No log lines match.</p>}
    </section>
  );
}
