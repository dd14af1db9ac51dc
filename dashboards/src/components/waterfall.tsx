import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { billed, cost, ms, plural, signedMs } from '../format.js';
import type { JourneyEdge, LossGap, TraceView } from '../view-model/types.js';
import { buildWaterfall, type Row, toggle, visibleRange } from '../view-model/waterfall.js';
import { CopyId } from './copy-id.js';

/**
 * The waterfall: one row per span (plus trace headers, invocation bands and queue hops),
 * bars on a shared time axis. Only the rows in view are in the DOM, so a 10,000-span trace
 * scrolls as smoothly as a 10-span one. Keyboard: Tab/Shift-Tab between rows, Enter
 * selects, ←/→ collapse/expand.
 */
const ROW_HEIGHT = 24;
/** On a phone a row is two lines, the name over its bar, so that names are not cut. */
const PHONE_ROW_HEIGHT = 44;
const PHONE = '(max-width: 600px)';

function useRowHeight(): number {
  const [phone, setPhone] = useState(() => window.matchMedia(PHONE).matches);
  useEffect(() => {
    const q = window.matchMedia(PHONE);
    const on = () => setPhone(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return phone ? PHONE_ROW_HEIGHT : ROW_HEIGHT;
}

/** Why an environment's invocations went missing, in words (the API's `cause`). */
const LOSS_CAUSE: Record<LossGap['cause'], string> = {
  previous_timeout: 'after this invocation timed out, its environment sent nothing for',
  previous_error: 'after this invocation failed, its environment sent nothing for',
  environment_reset: 'its environment was reset (the next invocation was a cold start) and sent nothing for',
  unknown: 'its environment sent nothing for',
};

export interface WaterfallProps {
  traces: TraceView[];
  edges: JourneyEdge[];
  skew: boolean;
  selected: string | undefined;
  onSelect: (key: string) => void;
  /** Gaps in environments' numbering (telemetry loss), noted on the invocation before each. */
  lostAfter?: LossGap[];
}

export function Waterfall({ traces, edges, skew, selected, onSelect, lostAfter = [] }: WaterfallProps) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const rowHeight = useRowHeight();
  const model = useMemo(() => buildWaterfall(traces, edges, { collapsed, skew }), [traces, edges, collapsed, skew]);
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);
  // bring the selected row into view (e.g. after clicking a log line)
  useEffect(() => {
    const i = model.rows.findIndex((r) => r.key === selected);
    const el = box.current;
    if (i < 0 || !el) return;
    const y = i * rowHeight;
    if (y < el.scrollTop || y > el.scrollTop + el.clientHeight - rowHeight)
      el.scrollTop = Math.max(0, y - el.clientHeight / 3);
  }, [selected, model, rowHeight]);

  const [first, last] = visibleRange(model.rows.length, rowHeight, scroll.top, scroll.height);
  const span = model.endMs - model.startMs;
  const pos = (start: number, dur: number) => ({
    left: `${((start - model.startMs) / span) * 100}%`,
    width: `max(2px, ${(dur / span) * 100}%)`,
  });
  // the duration beside its bar: after it when there is room, else before it, else (a bar
  // across nearly the whole lane) inside it — never on top of the bar's end
  const durAt = (start: number, dur: number): { style: Record<string, string>; inside: boolean } => {
    const from = (start - model.startMs) / span;
    const to = (start + dur - model.startMs) / span;
    if (to <= 0.82) return { style: { left: `calc(${to * 100}% + 4px)` }, inside: false };
    if (from >= 0.18) return { style: { right: `calc(${(1 - from) * 100}% + 4px)` }, inside: false };
    return { style: { left: `calc(${Math.max(0, from) * 100}% + 4px)` }, inside: true };
  };
  const flip = (key: string) => setCollapsed((c) => toggle(c, key));

  return (
    <div class="waterfall" role="tree" aria-label="Spans" data-rows={model.rows.length}>
      <div class="axis">
        <span>0</span>
        <span>{ms(span / 2)}</span>
        <span>{ms(span)}</span>
      </div>
      <div
        class="rows"
        ref={box}
        onScroll={(e) =>
          setScroll({ top: (e.target as HTMLElement).scrollTop, height: (e.target as HTMLElement).clientHeight })
        }
      >
        <div style={{ height: `${model.rows.length * rowHeight}px`, position: 'relative' }}>
          {model.rows.slice(first, last).map((row, i) => (
            <RowView
              key={row.key}
              row={row}
              top={(first + i) * rowHeight}
              height={rowHeight}
              pos={pos}
              durAt={durAt}
              selected={row.key === selected}
              onSelect={onSelect}
              onToggle={flip}
              lost={
                row.kind === 'band'
                  ? lostAfter.filter((g) => g.before.invocationId === row.invocation.invocationId)
                  : []
              }
            />
          ))}
        </div>
      </div>
    </div>
  );
}

function RowView({
  row,
  top,
  height,
  pos,
  durAt,
  selected,
  onSelect,
  onToggle,
  lost,
}: {
  lost: LossGap[];
  row: Row;
  top: number;
  height: number;
  pos: (s: number, d: number) => Record<string, string>;
  durAt: (s: number, d: number) => { style: Record<string, string>; inside: boolean };
  selected: boolean;
  onSelect: (k: string) => void;
  onToggle: (k: string) => void;
}) {
  const style = { top: `${top}px`, height: `${height}px` };
  if (row.kind === 'trace') {
    return (
      <div class="row trace-row" style={style} data-trace={row.traceId}>
        <div class="label">
          <CopyId id={row.traceId} kind="trace" href={`#/trace/${row.traceId}`} label="trace " /> {row.title}{' '}
          <span class="muted">({plural(row.spanCount, 'span')})</span>
        </div>
        <div class="lane">
          <div class="bar trace-bar" style={pos(row.startMs, row.durationMs)} />
        </div>
      </div>
    );
  }
  if (row.kind === 'band') {
    const inv = row.invocation;
    return (
      <div class={`row band outcome-${inv.outcome}`} style={style} data-invocation={inv.invocationId}>
        <div class="label" style={{ paddingLeft: `${row.depth * 14 + 4}px` }}>
          {row.platform === 'AWS Lambda' ? 'λ' : 'ƒ'} <span class="fn">{inv.functionName}</span>
          {row.platform && <span class="badge platform">{row.platform}</span>}
          {inv.coldStart && <span class="badge cold">cold start · init {ms(inv.initDurationMs)}</span>}
          {inv.outcome === 'timeout' && <span class="badge timeout">timeout</span>}
          {inv.outcome === 'error' && <span class="badge error">error</span>}
          {lost.map((g) => (
            <span
              key={g.firstSequence}
              class={`badge lost${g.state === 'pending' ? ' pending' : ''}`}
              title={`${LOSS_CAUSE[g.cause]} invocation${g.count === 1 ? '' : 's'} ${g.firstSequence}${g.count === 1 ? '' : `–${g.firstSequence + g.count - 1}`} of environment ${g.environmentId}`}
            >
              then {g.count} {g.state === 'pending' ? 'missing so far' : 'lost'}
            </span>
          ))}
          <span class="muted" title={inv.instance}>
            {' '}
            billed {billed(inv.billedDurationMs)} · {inv.memoryMb > 0 && `${inv.memoryMb} MB · `}
            {cost(inv.costUsd)} · {inv.instance}
          </span>
        </div>
        <div class="lane">
          <div class="bar band-bar" style={pos(row.startMs, row.durationMs)} />
        </div>
      </div>
    );
  }
  if (row.kind === 'hop') {
    return (
      <div class="row hop" style={style} data-hop={row.edge.messageId}>
        <div class="label" style={{ paddingLeft: `${row.depth * 14 + 4}px` }}>
          ⇢ queue {row.edge.destination ?? ''} <span class="muted">dwell {ms(row.durationMs)}</span>{' '}
          <CopyId id={row.edge.fromTraceId} kind="trace" href={`#/trace/${row.edge.fromTraceId}`} label="from " />
        </div>
        <div class="lane">
          <div class="bar dwell" style={pos(row.startMs, row.durationMs)} title={`dwell ${ms(row.durationMs)}`} />
        </div>
      </div>
    );
  }
  const toggleBtn = row.collapsible ? (
    <button
      type="button"
      class="toggle"
      aria-label={row.collapsed ? 'Expand' : 'Collapse'}
      onClick={(e) => {
        e.stopPropagation();
        onToggle(row.key);
      }}
    >
      {row.collapsed ? '▸' : '▾'}
    </button>
  ) : (
    <span class="toggle" />
  );
  const keys = (e: KeyboardEvent) => {
    if (e.key === 'Enter') onSelect(row.key);
    if (row.collapsible && ((e.key === 'ArrowLeft' && !row.collapsed) || (e.key === 'ArrowRight' && row.collapsed)))
      onToggle(row.key);
  };
  if (row.kind === 'orphan') {
    return (
      <div
        class={`row orphan orphan-${row.node.orphanClass}`}
        style={style}
        role="treeitem"
        tabIndex={0}
        aria-expanded={!row.collapsed}
        onKeyDown={keys}
      >
        <div class="label" style={{ paddingLeft: `${row.depth * 14 + 4}px` }}>
          {toggleBtn}
          <span class="badge orphan-badge">{row.node.orphanClass}</span> {row.node.label}
        </div>
        <div class="lane" />
      </div>
    );
  }
  const s = row.span;
  const dur = durAt(row.startMs, row.durationMs);
  return (
    <div
      class={`row span-row${selected ? ' selected' : ''}${row.error ? ' is-error' : ''}${row.phase ? ` phase-${row.phase}` : ''}`}
      style={style}
      role="treeitem"
      tabIndex={0}
      aria-selected={selected}
      aria-expanded={row.collapsible ? !row.collapsed : undefined}
      data-span={s.spanId}
      onClick={() => onSelect(row.key)}
      onKeyDown={keys}
    >
      <div class="label" style={{ paddingLeft: `${row.depth * 14 + 4}px` }}>
        {toggleBtn}
        <span class="name">{s.name}</span> <span class="svc">{s.service}</span>
        {row.phase === 'init' && (
          <span class="badge cold" title="the cold start's init phase, before the invocation it belongs to">
            before the invocation
          </span>
        )}
        {row.error && <span class="badge error">error</span>}
        {row.timeout && <span class="badge timeout">timeout</span>}
        {row.skewMs !== undefined && (
          <span class="badge skew" title="moved for clock skew">
            skew {signedMs(row.skewMs)}
          </span>
        )}
      </div>
      <div class="lane">
        <div class={`bar kind-${s.kind.toLowerCase()}`} style={pos(row.startMs, row.durationMs)} />
        <span class={`dur${dur.inside ? ' inside' : ''}`} style={dur.style}>
          {ms(row.durationMs)}
        </span>
      </div>
    </div>
  );
}
