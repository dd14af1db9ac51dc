import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { LogFields } from '../components/log-fields.js';
import { Waterfall } from '../components/waterfall.js';
import { dateTime, ms, plural, shortId, time, usd } from '../format.js';
import { href, navigate } from '../router.js';
import type { ApiSpan, Journey, LogRecord, TraceView } from '../view-model/types.js';
import { spanKey } from '../view-model/waterfall.js';

/**
 * One trace, or its whole journey (every trace joined to it by links, message ids and
 * correlation ids) as one waterfall; the selected span's details and the logs beside it.
 */
const MAX_JOURNEY_TRACES = 20;

export function TracePage({ traceId, params }: { traceId: string; params: URLSearchParams }) {
  const [views, setViews] = useState<TraceView[]>([]);
  const [journey, setJourney] = useState<Journey | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [logs, setLogs] = useState<LogRecord[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [tab, setTab] = useState<'span' | 'logs'>('span');
  const shownTrace = useRef<string | undefined>(undefined);
  const journeyMode = params.get('journey') !== 'off';
  const skew = params.get('skew') !== 'raw';
  const setParam = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v === undefined) next.delete(k);
    else next.set(k, v);
    navigate(href('trace', next, traceId));
  };

  useEffect(() => {
    let live = true;
    setError(undefined);
    setViews([]);
    (async () => {
      const [view, j] = await Promise.all([
        get<TraceView>(`traces/${traceId}`),
        get<Journey>(`traces/${traceId}/journey`).catch(() => undefined),
      ]);
      if (!live) return;
      setJourney(j);
      const others =
        journeyMode && j
          ? j.traces
              .map((t) => t.traceId)
              .filter((id) => id !== traceId)
              .slice(0, MAX_JOURNEY_TRACES - 1)
          : [];
      const more = await Promise.all(others.map((id) => get<TraceView>(`traces/${id}`).catch(() => undefined)));
      if (!live) return;
      const loaded = [view, ...more.filter((v): v is TraceView => v !== undefined)];
      setViews(loaded);
      // the span selected before stays selected when only the journey was toggled and it is
      // still shown; another trace opens with its root selected
      const sameTrace = shownTrace.current === traceId;
      shownTrace.current = traceId;
      const shown = new Set(
        loaded.flatMap((v) => v.spans.filter((s) => !s.virtual).map((s) => spanKey(v.traceId, s.spanId))),
      );
      const root = view.spans.find((s) => !s.virtual) as ApiSpan | undefined;
      setSelected((cur) => (sameTrace && cur && shown.has(cur) ? cur : root && spanKey(traceId, root.spanId)));
    })().catch((e: Error) => live && setError(e.message));
    get<{ logs: LogRecord[] }>(`traces/${traceId}/logs`)
      .then((r) => live && setLogs(r.logs))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [traceId, journeyMode]);

  const spans = useMemo(() => {
    const m = new Map<string, ApiSpan>();
    for (const v of views) for (const s of v.spans) if (!s.virtual) m.set(spanKey(v.traceId, s.spanId), s);
    return m;
  }, [views]);
  const span = selected ? spans.get(selected) : undefined;
  const main = views[0];

  if (error)
    return (
      <section class="page">
        <p class="error" role="alert">
          {error}
        </p>
        <p class="hint">
          <a href={href('traces')}>Search traces</a> · <a href={href('logs', { traceId })}>Logs of this trace id</a>
        </p>
      </section>
    );
  if (!main) return <p class="loading">Loading trace {shortId(traceId)}…</p>;
  const s = main.summary;
  return (
    <section class="page trace-page">
      <div class="trace-head">
        <h1>
          {s ? `${s.rootService}: ${s.rootOperation}` : traceId} <span class="muted">trace {shortId(traceId)}</span>
        </h1>
        {s && (
          <p class="facts">
            {dateTime(s.startMs)} · {ms(s.durationMs)} · {plural(s.spanCount, 'span')} · {plural(s.errorCount, 'error')}{' '}
            · {plural(s.invocations, 'invocation')} · {plural(s.coldStarts, 'cold start')} · {usd(s.costUsd)}
            {journey && journey.traces.length > 1 && (
              <>
                {' '}
                · journey of {journey.traces.length} traces, {usd(journey.costUsd)}
                {journey.truncated && ' (truncated)'}
              </>
            )}
          </p>
        )}
        <div class="toggles">
          {journey && journey.traces.length > 1 && (
            <label class="check">
              <input
                type="checkbox"
                checked={journeyMode}
                onChange={(e) => setParam('journey', (e.target as HTMLInputElement).checked ? undefined : 'off')}
              />
              Whole journey
            </label>
          )}
          <label class="check">
            <input
              type="checkbox"
              checked={skew}
              onChange={(e) => setParam('skew', (e.target as HTMLInputElement).checked ? undefined : 'raw')}
            />
            Correct clock skew
          </label>
          {main.orphans && Object.values(main.orphans).some((n) => n > 0) && (
            <span class="muted">
              orphans: {main.orphans.platform} platform, {main.orphans.pending} pending, {main.orphans.lost} lost
            </span>
          )}
        </div>
      </div>
      <div class="split">
        <Waterfall
          traces={views}
          edges={journeyMode ? (journey?.edges ?? []) : []}
          skew={skew}
          selected={selected}
          onSelect={setSelected}
        />
        <aside class="detail" aria-label="Details">
          <div class="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'span'} onClick={() => setTab('span')}>
              Span
            </button>
            <button type="button" role="tab" aria-selected={tab === 'logs'} onClick={() => setTab('logs')}>
              Logs ({logs.length})
            </button>
          </div>
          {tab === 'span' ? (
            span ? (
              <SpanDetail span={span} />
            ) : (
              <p class="muted">Select a span.</p>
            )
          ) : (
            <ol class="logs" aria-label="Trace logs">
              {logs.map((l, i) => (
                <li key={i} class={`log sev-${l.severityText.toLowerCase()}`}>
                  <button
                    type="button"
                    onClick={() => {
                      if (l.spanId) setSelected(spanKey(l.traceId, l.spanId));
                      setTab('span');
                    }}
                  >
                    <span class="muted">{time(Number(BigInt(l.timeUnixNano) / 1_000_000n))}</span> {l.severityText}{' '}
                    {l.body}
                    <LogFields attributes={l.attributes} />
                  </button>
                </li>
              ))}
              {logs.length === 0 && <li class="muted">No logs for this trace.</li>}
            </ol>
          )}
        </aside>
      </div>
    </section>
  );
}

/** An attribute key that wraps after its dots (`messaging.batch.` / `message_count`), not mid-word. */
const breakable = (key: string) =>
  key.split(/(?<=\.)/).flatMap((part, i) => (i === 0 ? [part] : [<wbr key={i} />, part]));

function Table({ title, entries }: { title: string; entries: Record<string, string> }) {
  const keys = Object.keys(entries).sort();
  if (keys.length === 0) return null;
  return (
    <details open>
      <summary>{title}</summary>
      <table class="kv">
        <tbody>
          {keys.map((k) => (
            <tr key={k}>
              <th>{breakable(k)}</th>
              <td>{entries[k]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function SpanDetail({ span }: { span: ApiSpan }) {
  return (
    <div class="span-detail" data-span={span.spanId}>
      <h2>{span.name}</h2>
      <p class="facts">
        {span.service} · {span.kind} · {ms(span.durationMs)} · status {span.status.code.toLowerCase()}
        {span.status.message ? `: ${span.status.message}` : ''}
        {span.skewAdjustedMs !== undefined && ` · shifted ${ms(span.skewAdjustedMs)} for clock skew`}
      </p>
      <p class="muted">span {span.spanId}</p>
      <Table title="Attributes" entries={span.attributes} />
      {span.events.length > 0 && (
        <details open>
          <summary>Events</summary>
          <ul>
            {span.events.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong>{' '}
                {Object.entries(e.attributes)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}
              </li>
            ))}
          </ul>
        </details>
      )}
      {span.links.length > 0 && (
        <details open>
          <summary>Links</summary>
          <ul>
            {span.links.map((l) => (
              <li key={`${l.traceId}${l.spanId}`}>
                <a href={href('trace', {}, l.traceId)}>trace {shortId(l.traceId)}</a> span {shortId(l.spanId)}{' '}
                <span class="muted">{l.attributes['fntrace.link.type'] ?? ''}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      <Table title="Resource" entries={span.resource} />
    </div>
  );
}
