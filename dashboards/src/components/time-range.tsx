/**
 * The time-range picker shared by every page. The URL holds either `since` (a duration back
 * from now) or `start`/`end` (a custom range: ISO-8601 or epoch milliseconds, as the API takes
 * them). A custom range is shown as two date-time inputs, From and To, that edit it in place;
 * choosing "Custom…" starts one from the window shown until then. A `since` the list does not
 * have (typed into the URL) is shown as it is.
 */
export const RANGES = ['15m', '1h', '6h', '24h', '7d'] as const;

/** What a page's URL says about its range, as the API's parameters. */
export interface RangeParams {
  since?: string;
  start?: string;
  end?: string;
}

export const isCustom = (p: URLSearchParams) => p.has('start') || p.has('end');

/** The range parameters of a page's URL: its start/end, else its `since` (default 1h). */
export function rangeOf(p: URLSearchParams): RangeParams {
  if (isCustom(p)) return { start: p.get('start') ?? undefined, end: p.get('end') ?? undefined };
  return { since: p.get('since') || '1h' };
}

/** `rangeOf` as a query string. */
export const rangeQuery = (p: URLSearchParams) =>
  new URLSearchParams(Object.entries(rangeOf(p)).filter((e): e is [string, string] => e[1] !== undefined)).toString();

/** A new range as a page's filter patch: the form not chosen is cleared (`''`). */
export const rangePatch = (r: RangeParams): Record<string, string> =>
  r.since !== undefined
    ? { since: r.since, start: '', end: '' }
    : { since: '', start: r.start ?? '', end: r.end ?? '' };

/** An instant of the URL (ISO-8601 or epoch ms) as epoch ms, or undefined. */
function instant(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const ms = /^\d{1,16}$/.test(v.trim()) ? Number(v) : Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Epoch ms as a `datetime-local` value (local time, to the second). */
function local(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const SINCE_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export function TimeRange({
  params,
  onChange,
}: {
  params: URLSearchParams;
  /** The new range: `{ since }` or `{ start, end }` (ISO-8601); the page drops the other form. */
  onChange: (range: RangeParams) => void;
}) {
  const custom = isCustom(params);
  const since = params.get('since') || '1h';
  const listed = (RANGES as readonly string[]).includes(since);
  const start = instant(params.get('start') ?? undefined);
  const end = instant(params.get('end') ?? undefined);
  const pick = (v: string) => {
    if (v !== 'custom') return onChange({ since: v });
    // a custom range starts as the window shown until now
    const m = /^(\d+)([mhd])$/.exec(since);
    const now = Date.now();
    const back = m ? Number(m[1]) * SINCE_MS[m[2]!]! : 3_600_000;
    onChange({ start: new Date(now - back).toISOString(), end: new Date(now).toISOString() });
  };
  const edit = (which: 'start' | 'end', v: string) => {
    const ms = v ? new Date(v).getTime() : Number.NaN;
    if (Number.isNaN(ms)) return;
    const next = {
      start: start === undefined ? undefined : new Date(start).toISOString(),
      end: end === undefined ? undefined : new Date(end).toISOString(),
    };
    next[which] = new Date(ms).toISOString();
    onChange(next);
  };
  return (
    <fieldset class="range" aria-label="Time range">
      <label>
        Range
        <select value={custom ? 'custom' : since} onChange={(e) => pick((e.target as HTMLSelectElement).value)}>
          {!custom && !listed && <option value={since}>last {since}</option>}
          {RANGES.map((r) => (
            <option key={r} value={r}>
              last {r}
            </option>
          ))}
          <option value="custom">custom…</option>
        </select>
      </label>
      {custom && (
        <>
          <label>
            From
            <input
              type="datetime-local"
              step="1"
              value={local(start)}
              onChange={(e) => edit('start', (e.target as HTMLInputElement).value)}
            />
          </label>
          <label>
            To
            <input
              type="datetime-local"
              step="1"
              value={local(end)}
              onChange={(e) => edit('end', (e.target as HTMLInputElement).value)}
            />
          </label>
        </>
      )}
    </fieldset>
  );
}
