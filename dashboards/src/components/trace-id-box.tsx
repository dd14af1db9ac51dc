import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { dateTime } from '../format.js';
import { href, navigate } from '../router.js';
import type { TraceIdList } from '../view-model/types.js';

/**
 * A trace by its id or the first digits of it, as git takes an abbreviated object name: the
 * box in the header (on every page, as Jaeger has) and a `#/trace/<prefix>` URL both resolve a
 * prefix through `GET /api/traces/ids`; one match opens it, several are listed to choose from.
 */
export type Resolved =
  | { kind: 'one'; traceId: string }
  | { kind: 'none'; message: string }
  | { kind: 'many'; prefix: string; list: TraceIdList };

const HEX = /^[0-9a-f]{4,32}$/;

export async function resolveTraceId(text: string): Promise<Resolved> {
  // a pasted link to a trace works too
  const v = text
    .trim()
    .replace(/^.*#\/trace\//, '')
    .replace(/[?/].*$/, '')
    .toLowerCase();
  if (!HEX.test(v))
    return { kind: 'none', message: 'A trace id is 32 hexadecimal digits; its first 4 or more will do.' };
  if (v.length === 32) return { kind: 'one', traceId: v };
  const list = await get<TraceIdList>('traces/ids', { prefix: v, limit: '10' });
  if (list.traceIds.length === 1) return { kind: 'one', traceId: list.traceIds[0]!.traceId };
  if (list.traceIds.length === 0) return { kind: 'none', message: `No trace id begins with ${v}.` };
  return { kind: 'many', prefix: v, list };
}

/** The traces an ambiguous prefix begins, to choose from. */
export function Candidates({ prefix, list, onPick }: { prefix: string; list: TraceIdList; onPick?: () => void }) {
  const n = list.traceIds.length;
  return (
    <div class="ambiguous" role="alert">
      <p>
        {prefix} is ambiguous: {list.more ? `more than ${n}` : n} trace ids begin with it. Give more digits, or choose
        one:
      </p>
      <ul class="candidates">
        {list.traceIds.map((t) => (
          <li key={t.traceId}>
            <a href={href('trace', {}, t.traceId)} onClick={onPick}>
              <code>
                <strong>{t.traceId.slice(0, prefix.length)}</strong>
                {t.traceId.slice(prefix.length)}
              </code>
            </a>{' '}
            <span class="muted">{dateTime(t.startMs)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function TraceIdBox({ page }: { page: string }) {
  const [value, setValue] = useState('');
  const [answer, setAnswer] = useState<Resolved | { kind: 'error'; message: string } | undefined>();
  // a new page closes what the box said
  useEffect(() => setAnswer(undefined), [page]);
  const go = async (e: Event) => {
    e.preventDefault();
    e.stopPropagation();
    if (!value.trim()) return;
    try {
      const r = await resolveTraceId(value);
      if (r.kind === 'one') {
        setAnswer(undefined);
        setValue('');
        navigate(href('trace', {}, r.traceId));
      } else setAnswer(r);
    } catch (err) {
      setAnswer({ kind: 'error', message: (err as Error).message });
    }
  };
  return (
    <form
      class="trace-jump"
      aria-label="Open a trace by id"
      onSubmit={go}
      onKeyDown={(e) => e.key === 'Escape' && setAnswer(undefined)}
    >
      <input
        name="trace-id"
        aria-label="Trace id or its first digits"
        placeholder="Trace id or prefix"
        autocomplete="off"
        spellcheck={false}
        value={value}
        onInput={(e) => {
          setValue((e.target as HTMLInputElement).value);
          setAnswer(undefined);
        }}
      />
      {/* not a submit button, so pages' own "button[type=submit]" stay theirs; Enter submits the one-field form */}
      <button type="button" onClick={go}>
        Open
      </button>
      {answer && (
        <div class="jump-answer">
          {answer.kind === 'many' ? (
            <Candidates prefix={answer.prefix} list={answer.list} onPick={() => setAnswer(undefined)} />
          ) : answer.kind !== 'one' ? (
            <p class="error" role="alert">
              {answer.message}
            </p>
          ) : null}
        </div>
      )}
    </form>
  );
}

/**
 * `#/trace/<prefix>`: the trace a unique prefix stands for, opened under its full id (the URL
 * is replaced, so Back does not return here); an ambiguous prefix lists its traces.
 */
export function TraceByPrefix({ prefix, params }: { prefix: string; params: URLSearchParams }) {
  const [answer, setAnswer] = useState<Resolved | { kind: 'error'; message: string } | undefined>();
  useEffect(() => {
    let live = true;
    resolveTraceId(prefix).then(
      (r) => {
        if (!live) return;
        if (r.kind === 'one') location.replace(href('trace', params, r.traceId));
        else setAnswer(r);
      },
      (err: Error) => live && setAnswer({ kind: 'error', message: err.message }),
    );
    return () => {
      live = false;
    };
  }, [prefix, params]);
  if (!answer || answer.kind === 'one') return <p class="loading">Looking for trace {prefix}…</p>;
  return (
    <section class="page">
      {answer.kind === 'many' ? (
        <Candidates prefix={answer.prefix} list={answer.list} />
      ) : (
        <p class="error" role="alert">
          {answer.message}
        </p>
      )}
      <p class="hint">
        <a href={href('traces')}>Search traces</a>
      </p>
    </section>
  );
}
