import { useMemo, useState } from 'preact/hooks';
import { Chart } from '../components/chart.js';
import { CopyId } from '../components/copy-id.js';
import { Filters } from '../components/filters.js';
import { ServiceSelect } from '../components/service-select.js';
import { isCustom, rangePatch, rangeQuery, TimeRange } from '../components/time-range.js';
import { useApi } from '../components/use-api.js';
import { cost, dateTime, ms, plural, usd } from '../format.js';
import { href, navigate } from '../router.js';
import type { SearchPage, TracePoints } from '../view-model/types.js';

/**
 * Traces: every filter of `GET /api/traces`, kept in the URL so a search can be shared;
 * a duration-over-time scatter of the whole range (click a point to open its trace) and a page
 * of results.
 */
const TEXT_FILTERS = [
  ['operation', 'Operation'],
  ['function', 'Function'],
  ['correlationId', 'Correlation ID'],
] as const;

/** Duration filters in ms: of the whole trace, or of a span (the one the other span filters match). */
const DURATION_FILTERS = [
  ['minDurationMs', 'Trace ≥ ms', 'the whole trace lasts at least this long'],
  ['maxDurationMs', 'Trace ≤ ms', 'the whole trace lasts at most this long'],
  ['spanMinDurationMs', 'Span ≥ ms', 'a span lasts at least this long (with the service, operation… given, that span)'],
  ['spanMaxDurationMs', 'Span ≤ ms', 'a span lasts at most this long (with the service, operation… given, that span)'],
] as const;

/**
 * The attribute filter's text as `key=value` filters: a filter starts where a `key=` follows
 * a space or a comma, so a value may hold spaces and commas (`user_agent.original=Mozilla/5.0
 * (X11; Linux)`) unless a later word has an `=`; a value in double quotes
 * (`db.statement="SELECT 1 WHERE id=5"`) is taken whole. Text that is not `key=value` is passed
 * on as it is, and the API says what is wrong with it.
 */
export function parseAttrs(text: string): string[] {
  const out: string[] = [];
  // where the next filter's `key=` begins after `from` (or the end of the text)
  const nextKey = (from: number) => {
    const re = /[\s,]+[^\s,=]+=/g;
    re.lastIndex = from;
    return re.exec(text)?.index ?? text.length;
  };
  let i = 0;
  for (;;) {
    i += /^[\s,]*/.exec(text.slice(i))![0].length;
    if (i >= text.length) return out;
    const key = /^[^\s,=]+=/.exec(text.slice(i))?.[0];
    if (!key) {
      const end = nextKey(i);
      out.push(text.slice(i, end).trim());
      i = end;
      continue;
    }
    const from = i + key.length;
    const close = text[from] === '"' ? text.indexOf('"', from + 1) : -1;
    if (close > 0) {
      out.push(key + text.slice(from + 1, close));
      i = close + 1;
      continue;
    }
    const end = nextKey(from);
    out.push((key + text.slice(from, end)).replace(/[\s,]+$/, ''));
    i = end;
  }
}

/** The filters as the input shows them: a value that would not read back whole is quoted. */
export function formatAttrs(attrs: string[]): string {
  return attrs
    .map((a) => {
      const eq = a.indexOf('=');
      const value = a.slice(eq + 1);
      return eq > 0 && (value.includes('=') || value.startsWith('"')) ? `${a.slice(0, eq + 1)}"${value}"` : a;
    })
    .join(' ');
}

export function TracesPage({ params }: { params: URLSearchParams }) {
  const query = params.toString();
  const since = params.get('since') ?? '1h';
  const custom = isCustom(params);
  const search = useApi<SearchPage>('traces', custom ? query : withDefault(params, 'since', since));
  const [draft, setDraft] = useState<Record<string, string>>({});
  const value = (k: string) => draft[k] ?? params.get(k) ?? '';
  const set = (k: string, v: string) => setDraft((d) => ({ ...d, [k]: v }));

  const apply = (e?: Event, extra: Record<string, string> = {}) => {
    e?.preventDefault();
    const next = new URLSearchParams();
    const merged: Record<string, string> = {};
    for (const k of [
      'service',
      'operation',
      'function',
      'trigger',
      'status',
      ...DURATION_FILTERS.map(([k]) => k),
      'correlationId',
      'sort',
      'since',
      'coldStart',
      'attrs',
      'start',
      'end',
      'skew',
    ]) {
      merged[k] = value(k);
    }
    Object.assign(merged, extra);
    for (const [k, v] of Object.entries(merged)) {
      if (!v || (k === 'coldStart' && v !== 'true')) continue;
      if (k === 'attrs') for (const a of parseAttrs(v)) next.append('attr', a);
      else next.set(k, v);
    }
    setDraft({});
    navigate(href('traces', next));
  };

  const traces = search.data?.traces ?? [];
  // with clock-skew correction on (as on the trace page, unless `skew=raw`), a trace's start and
  // duration are those of its corrected spans, as its waterfall draws them
  const skew = params.get('skew') !== 'raw';
  const corrected = new Map(skew ? (search.data?.corrected ?? []).map((w) => [w.traceId, w]) : []);
  const setSkew = (on: boolean) => {
    const next = new URLSearchParams(params);
    if (on) next.delete('skew');
    else next.set('skew', 'raw');
    navigate(href('traces', next));
  };
  // the scatter: every matching trace of the whole range (up to the API's limit), not the page
  const scatter = useApi<TracePoints>('traces/points', pointsQuery(params, custom ? undefined : since));
  const chart = useMemo(() => {
    const points = scatter.data?.points ?? [];
    return {
      points,
      x: points.map((p) => p.startMs / 1000),
      xRange: scatter.data ? ([scatter.data.start / 1000, scatter.data.end / 1000] as [number, number]) : undefined,
      series: [
        { label: 'ok', color: '#3a7bd5', points: true, values: points.map((p) => (p.error ? null : p.durationMs)) },
        { label: 'error', color: '#d64545', points: true, values: points.map((p) => (p.error ? p.durationMs : null)) },
      ],
    };
  }, [scatter.data]);
  const matched = scatter.data?.matched ?? 0;

  return (
    <section class="page">
      <Filters label="Search traces" set={setCount(params)} onSubmit={apply}>
        <TimeRange params={params} onChange={(r) => apply(undefined, rangePatch(r))} />
        <ServiceSelect range={rangeQuery(params)} value={value('service')} onChange={(v) => set('service', v)} />
        {TEXT_FILTERS.map(([k, label]) => (
          <label key={k}>
            {label}
            <input name={k} value={value(k)} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} />
          </label>
        ))}
        <label>
          Trigger
          <select
            name="trigger"
            value={value('trigger')}
            onChange={(e) => set('trigger', (e.target as HTMLSelectElement).value)}
          >
            {['', 'http', 'pubsub', 'datasource', 'timer', 'other'].map((t) => (
              <option key={t} value={t}>
                {t || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            name="status"
            value={value('status')}
            onChange={(e) => set('status', (e.target as HTMLSelectElement).value)}
          >
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </label>
        {DURATION_FILTERS.map(([k, label, title]) => (
          <label key={k} title={title}>
            {label}
            <input
              name={k}
              type="number"
              min="0"
              value={value(k)}
              onInput={(e) => set(k, (e.target as HTMLInputElement).value)}
            />
          </label>
        ))}
        <label title="key=value on a span or its resource; several are ANDed">
          Attributes
          <input
            name="attrs"
            placeholder="key=value"
            value={draft.attrs ?? formatAttrs(params.getAll('attr'))}
            onInput={(e) => set('attrs', (e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="coldStart"
            checked={value('coldStart') === 'true'}
            onChange={(e) => set('coldStart', (e.target as HTMLInputElement).checked ? 'true' : '')}
          />
          Cold starts only
        </label>
        <label>
          Sort
          <select
            name="sort"
            value={value('sort') || 'start'}
            onChange={(e) => set('sort', (e.target as HTMLSelectElement).value)}
          >
            <option value="start">newest</option>
            <option value="duration">slowest</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </Filters>
      {search.loading && <p class="loading">Loading…</p>}
      {search.error && (
        <p class="error" role="alert">
          {search.error}
        </p>
      )}
      {chart.points.length > 0 && (
        <Chart
          title={
            matched > chart.points.length
              ? `Duration of ${plural(chart.points.length, 'trace')} of ${matched.toLocaleString('en-US')}: the slowest and an even sample`
              : `Duration of each trace (${matched.toLocaleString('en-US')})`
          }
          unit=" ms"
          x={chart.x}
          xRange={chart.xRange}
          series={chart.series}
          onPick={(i) => {
            const p = chart.points[i];
            if (p) navigate(href('trace', {}, p.traceId));
          }}
        />
      )}
      <label class="check results-skew">
        <input type="checkbox" checked={skew} onChange={(e) => setSkew((e.target as HTMLInputElement).checked)} />
        Correct clock skew
        <span class="muted">
          {' '}
          ({skew ? plural(corrected.size, 'trace') : 'durations as sent'}
          {skew && ' of this page corrected'})
        </span>
      </label>
      <table class="results" aria-label="Traces">
        <thead>
          <tr>
            <th>Root operation</th>
            <th>Services</th>
            <th class="num">Duration</th>
            <th class="num">Spans</th>
            <th class="num">Errors</th>
            <th class="num">Cold starts</th>
            <th class="num">Cost</th>
            <th>Start</th>
            <th>Trace</th>
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => {
            const w = corrected.get(t.traceId);
            return (
              <tr key={t.traceId} class={t.errorCount ? 'has-error' : ''} data-trace={t.traceId}>
                <td>
                  <a href={href('trace', { skew: skew ? undefined : 'raw' }, t.traceId)}>
                    {t.rootService}: {t.rootOperation || t.traceId.slice(0, 8)}
                  </a>
                </td>
                <td>{t.services.join(', ')}</td>
                <td class="num duration">
                  {ms(w?.durationMs ?? t.durationMs)}
                  {w && (
                    <span
                      class="badge skew"
                      title={`corrected for clock skew (${plural(w.spansMoved, 'span')} moved); ${ms(t.durationMs)} as sent`}
                    >
                      corrected
                    </span>
                  )}
                </td>
                <td class="num">{t.spanCount}</td>
                <td class="num">{t.errorCount}</td>
                <td class="num">{t.coldStarts}</td>
                <td class="num" title={usd(t.costUsd)}>
                  {cost(t.costUsd)}
                </td>
                <td>{dateTime(w?.startMs ?? t.startMs)}</td>
                <td>
                  <CopyId id={t.traceId} kind="trace" />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!search.loading && traces.length === 0 && !search.error && (
        <p class="empty">No traces match. Widen the time range or remove a filter.</p>
      )}
      {search.data?.nextCursor && (
        <p>
          <a href={href('traces', withCursor(params, search.data.nextCursor))}>Older traces →</a>
        </p>
      )}
      <p class="hint">{query ? '' : 'Tip: every filter is in the URL — share it.'}</p>
    </section>
  );
}

/** The search's filters for `traces/points`: the whole range, so no page, order or cursor. */
function pointsQuery(p: URLSearchParams, since: string | undefined): string {
  const q = new URLSearchParams(since === undefined ? p : withDefault(p, 'since', since));
  for (const k of ['cursor', 'sort', 'limit']) q.delete(k);
  return q.toString();
}

/** How many filters a search sets, besides its range, order and page. */
function setCount(p: URLSearchParams): number {
  return new Set([...p.keys()].filter((k) => !['since', 'start', 'end', 'sort', 'cursor', 'skew'].includes(k))).size;
}

function withDefault(p: URLSearchParams, k: string, v: string): string {
  const q = new URLSearchParams(p);
  if (!q.has(k)) q.set(k, v);
  return q.toString();
}

function withCursor(p: URLSearchParams, cursor: string): URLSearchParams {
  const q = new URLSearchParams(p);
  q.set('cursor', cursor);
  return q;
}
