import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { CopyButton, CopyId } from '../components/copy-id.js';
import { LogFields } from '../components/log-fields.js';
import { Waterfall } from '../components/waterfall.js';
import { cost, dateTime, humanValue, ms, plural, signedMs, time, usd } from '../format.js';
import { href, navigate } from '../router.js';
import { journeyTracesToDraw, mergeLogs, ofSpan, shownFacts, skewMoves } from '../view-model/shown-facts.js';
import type { ApiSpan, Journey, LogRecord, LossGap, TraceView } from '../view-model/types.js';
import { spanKey } from '../view-model/waterfall.js';

/**
 * One trace, or its whole journey (every trace joined to it by links, message ids and
 * correlation ids) as one waterfall; the selected span's details and the logs beside it —
 * the logs of every trace drawn, with their service, the selected span's lines marked.
 *
 * The URL holds the view: `journey=off`, `skew=raw`, the selected span (`span=<spanId>`, or
 * `<traceId>:<spanId>` for a span of another trace of the journey) and the tab (`tab=logs`),
 * so a link shows what its sender saw. Selecting replaces the URL rather than adding to the
 * history; without `span` the trace's root is selected.
 */
const MAX_JOURNEY_TRACES = 20;

export function TracePage({ traceId, params }: { traceId: string; params: URLSearchParams }) {
  const [views, setViews] = useState<TraceView[]>([]);
  const [journey, setJourney] = useState<Journey | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [logs, setLogs] = useState<LogRecord[]>([]);
  const [sampling, setSampling] = useState<Sampling | undefined>();
  const [lostAfter, setLostAfter] = useState<LossGap[]>([]);
  const journeyMode = params.get('journey') !== 'off';
  const skew = params.get('skew') !== 'raw';
  const tab = params.get('tab') === 'logs' ? 'logs' : 'span';
  const spanParam = params.get('span') ?? undefined;
  const setParam = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v === undefined) next.delete(k);
    else next.set(k, v);
    navigate(href('trace', next, traceId));
  };
  /** Selection and tab: the URL is replaced, so Back leaves the trace rather than stepping through clicks. */
  const replaceParams = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) next.delete(k);
      else next.set(k, v);
    }
    const to = href('trace', next, traceId);
    if (location.hash !== to) location.replace(to);
  };
  const select = (key: string, extra: Record<string, string | undefined> = {}) => {
    const [t, sid] = key.split(':');
    replaceParams({ span: t === traceId ? sid : key, ...extra });
  };

  useEffect(() => {
    let live = true;
    setError(undefined);
    setViews([]);
    setLogs([]);
    setSampling(undefined);
    setLostAfter([]);
    // with --tail-sampling only (elsewhere a 404): whether the trace was kept, and why
    get<Sampling>(`traces/${traceId}/sampling`).then(
      (r) => live && setSampling(r),
      () => undefined,
    );
    (async () => {
      const [view, j] = await Promise.all([
        get<TraceView>(`traces/${traceId}`),
        get<Journey>(`traces/${traceId}/journey`).catch(() => undefined),
      ]);
      if (!live) return;
      setJourney(j);
      const others = journeyMode && j ? journeyTracesToDraw(j, traceId, MAX_JOURNEY_TRACES - 1) : [];
      const more = await Promise.all(others.map((id) => get<TraceView>(`traces/${id}`).catch(() => undefined)));
      if (!live) return;
      const loaded = [view, ...more.filter((v): v is TraceView => v !== undefined)];
      setViews(loaded);
      // invocations lost right after those drawn (telemetry loss), noted on their bands
      Promise.all(
        loaded.flatMap(({ traceId: id, summary: t }) =>
          !t
            ? []
            : get<{ lostAfter?: LossGap[] }>('invocations', {
                traceId: id,
                lost: 'true',
                start: String(Math.floor(t.startMs) - 60_000),
                end: String(Math.ceil(t.startMs + t.durationMs) + 60_000),
              }).then(
                (r) => r.lostAfter ?? [],
                () => [],
              ),
        ),
      ).then((lists) => live && setLostAfter(lists.flat()));
      // the logs of every trace drawn, so the Logs tab follows the journey
      const lists = await Promise.all(
        loaded.map((v) =>
          get<{ logs: LogRecord[] }>(`traces/${v.traceId}/logs`).then(
            (r) => r.logs,
            () => [],
          ),
        ),
      );
      if (live) setLogs(mergeLogs(lists));
    })().catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [traceId, journeyMode]);

  const spans = useMemo(() => {
    const m = new Map<string, ApiSpan>();
    for (const v of views) for (const s of v.spans) if (!s.virtual) m.set(spanKey(v.traceId, s.spanId), s);
    return m;
  }, [views]);
  const main = views[0];
  // the span in the URL when it is drawn, else the trace's root
  const wanted = spanParam ? (spanParam.includes(':') ? spanParam : spanKey(traceId, spanParam)) : undefined;
  const root = main?.spans.find((s) => !s.virtual) as ApiSpan | undefined;
  const selected = wanted && spans.has(wanted) ? wanted : root && spanKey(traceId, root.spanId);
  const span = selected ? spans.get(selected) : undefined;
  const facts = useMemo(() => shownFacts(views, skew), [views, skew]);
  const moves = useMemo(() => skewMoves(views), [views]);
  const marked = logs.filter((l) => ofSpan(l, selected)).length;

  // the selected span's lines are brought into view when the Logs tab shows
  const logList = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (tab !== 'logs') return;
    logList.current?.querySelector('li.of-selected')?.scrollIntoView({ block: 'nearest' });
  }, [tab, selected, logs]);

  if (error)
    return (
      <section class="page">
        <p class="error" role="alert">
          {error}
        </p>
        {sampling && sampling.state !== 'kept' && <p class="sampling-note">{samplingText(sampling)}</p>}
        <p class="hint">
          <a href={href('traces')}>Search traces</a> · <a href={href('logs', { traceId })}>Logs of this trace id</a>
        </p>
      </section>
    );
  if (!main) return <p class="loading">Loading trace {traceId}…</p>;
  const s = main.summary;
  const several = views.length > 1;
  return (
    <section class="page trace-page">
      <div class="trace-head">
        <h1>
          {s ? `${s.rootService}: ${s.rootOperation}` : traceId}{' '}
          <span class="muted">
            <CopyId id={traceId} kind="trace" label="trace " />
          </span>
        </h1>
        <p class="facts" data-shown={several ? 'journey' : 'trace'}>
          {several && <strong>journey of {plural(facts.traces, 'trace')} · </strong>}
          {dateTime(facts.startMs)} · {ms(facts.durationMs)} · {plural(facts.spans, 'span')} ·{' '}
          {plural(facts.errors, 'error')} · {plural(facts.invocations, 'invocation')} ·{' '}
          {plural(facts.coldStarts, 'cold start')} · <span title={usd(facts.costUsd)}>{cost(facts.costUsd)}</span>
          {sampling && <span class="sampling-note"> · {samplingText(sampling)}</span>}
          {journey && journey.traces.length > views.length && (
            <span class="muted">
              {' '}
              (
              {journeyMode
                ? `${journey.traces.length - views.length} more trace${journey.traces.length - views.length === 1 ? '' : 's'} of the journey not drawn`
                : `this trace of a journey of ${journey.traces.length}`}
              {journey.truncated && ', truncated'})
            </span>
          )}
        </p>
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
          <span class="muted skew-note" aria-live="polite">
            {moves.shifts === 0
              ? 'nothing to correct'
              : `${skew ? 'moved' : 'would move'} ${plural(moves.spans, 'span')} ${
                  moves.shifts === 1 || moves.minMs === moves.maxMs
                    ? `by ${signedMs(moves.maxMs)}`
                    : `in ${moves.shifts} places, by ${signedMs(moves.minMs)} to ${signedMs(moves.maxMs)}`
                }`}
          </span>
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
          onSelect={(key) => select(key)}
          lostAfter={lostAfter}
        />
        <aside class="detail" aria-label="Details">
          <div class="tabs" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'span'}
              onClick={() => replaceParams({ tab: undefined })}
            >
              Span
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'logs'}
              onClick={() => replaceParams({ tab: 'logs' })}
            >
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
            <>
              <p class="muted logs-note">
                {several ? `Logs of the ${views.length} traces drawn` : 'Logs of this trace'}
                {span && ` · ${plural(marked, 'line')} of ${span.name} marked`}
              </p>
              <div class="log-head" aria-hidden="true">
                <span>Time</span>
                <span>Service</span>
                <span>Level</span>
              </div>
              <ol class="logs" aria-label="Trace logs" ref={logList}>
                {logs.map((l, i) => {
                  const mine = ofSpan(l, selected);
                  return (
                    <li
                      key={i}
                      class={`log sev-${l.severityText.toLowerCase()}${mine ? ' of-selected' : ''}`}
                      aria-current={mine ? 'true' : undefined}
                    >
                      <button
                        type="button"
                        onClick={() => {
                          if (l.spanId) select(spanKey(l.traceId, l.spanId), { tab: undefined });
                          else replaceParams({ tab: undefined });
                        }}
                      >
                        <span class="log-time muted">{time(Number(BigInt(l.timeUnixNano) / 1_000_000n))}</span>
                        <span class="log-svc">{l.service}</span>
                        <span class="log-level">{l.severityText}</span>
                        <span class="log-msg">
                          {l.body}
                          <LogFields attributes={l.attributes} />
                        </span>
                      </button>
                    </li>
                  );
                })}
                {logs.length === 0 && <li class="muted">No logs for {several ? 'these traces' : 'this trace'}.</li>}
              </ol>
            </>
          )}
        </aside>
      </div>
    </section>
  );
}

/** An attribute key that wraps after its dots (`messaging.batch.` / `message_count`), not mid-word. */
const breakable = (key: string) =>
  key.split(/(?<=\.)/).flatMap((part, i) => (i === 0 ? [part] : [<wbr key={i} />, part]));

/** A value in human units (bytes, a date, a duration, a cost) with the value as sent beside it, muted. */
function ValueCell({ name, value }: { name: string; value: string }) {
  const human = humanValue(name, value);
  if (human === undefined) return <td>{value}</td>;
  return (
    <td data-raw={value}>
      {human} <span class="muted raw">{value}</span>
    </td>
  );
}

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
              <ValueCell name={k} value={entries[k]!} />
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
        {span.skewAdjustedMs !== undefined && ` · shifted ${signedMs(span.skewAdjustedMs)} for clock skew`}
      </p>
      <p class="muted">
        span <code>{span.spanId}</code>
        <CopyButton id={span.spanId} kind="span" />
      </p>
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
                <CopyId id={l.traceId} kind="trace" href={href('trace', {}, l.traceId)} label="trace " /> span{' '}
                <CopyId id={l.spanId} kind="span" />{' '}
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

/** `GET /api/traces/:traceId/sampling` (collectors with `--tail-sampling`). */
interface Sampling {
  traceId: string;
  state: 'kept' | 'sampled_out' | 'pending' | 'unknown';
  reason?: string;
  journeyId?: string;
  decidedAtMs?: number;
  staged: boolean;
}

const KEPT_BECAUSE: Record<string, string> = {
  timeout: 'a timeout',
  error: 'an error',
  cold_start: 'a cold start',
  span_latency: 'a slow span',
  journey_latency: 'a slow journey',
  attribute: 'an attribute value the rules list',
  rate: 'the share of healthy journeys kept',
};

/** What tail sampling decided for a trace, in words. */
function samplingText(s: Sampling): string {
  const when = s.decidedAtMs === undefined ? '' : ` on ${dateTime(s.decidedAtMs)}`;
  switch (s.state) {
    case 'kept':
      return `kept by tail sampling for ${KEPT_BECAUSE[s.reason ?? ''] ?? s.reason} in its journey`;
    case 'sampled_out':
      return `sampled out by tail sampling${when}: nothing in its journey matched a keep rule${s.staged ? '; shown until its hold time ends' : ''}; its invocations, cost and summary still count`;
    case 'pending':
      return 'not decided by tail sampling yet: its journey is still receiving spans, or was, less than the decision delay ago';
    default:
      return 'tail sampling has no decision for this trace';
  }
}
