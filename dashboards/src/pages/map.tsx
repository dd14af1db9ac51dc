import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import { rangeOf, rangeQuery, TimeRange } from '../components/time-range.js';
import { useApi } from '../components/use-api.js';
import { ms, percent } from '../format.js';
import { href, navigate } from '../router.js';
import type { MapEdge, MapNode, ServiceMap } from '../view-model/types.js';

/**
 * The service map: services and functions as boxes, queues/topics/buses as their own
 * (rounded) nodes, laid out left to right by dagre; edge labels give rate, errors, p95 and,
 * for queue hops, dwell. Clicking a node (or pressing Enter on it) opens its traces.
 */

/**
 * An edge's label in words, a line each: `2 calls, about 2 an hour`, `no errors · p95 12 ms`;
 * a queue's edges count messages sent and received, and the received one says how long they
 * waited in the queue.
 */
const NOUNS: Record<MapEdge['kind'], [string, string]> = {
  call: ['call', 'calls'],
  publish: ['message sent', 'messages sent'],
  consume: ['message received', 'messages received'],
};

export function edgeLabel(e: MapEdge): string[] {
  const [one, many] = NOUNS[e.kind];
  const count = `${e.count.toLocaleString('en-US')} ${e.count === 1 ? one : many}`;
  const figures = [e.errorPercent === 0 ? 'no errors' : `${percent(e.errorPercent)} errors`, `p95 ${ms(e.p95Ms)}`];
  const lines = [`${count}, ${rate(e.ratePerSecond)}`, figures.join(' · ')];
  if (e.dwellP95Ms !== undefined && e.dwellP95Ms !== null) lines.push(`waited p95 ${ms(e.dwellP95Ms)} in the queue`);
  return lines;
}

/** How often, in words: `3.5 a second`, `12 a minute`, `about 2 an hour`. */
function rate(perSecond: number): string {
  const round = (n: number) => (n >= 10 ? Math.round(n) : Number(n.toPrecision(2)));
  if (perSecond >= 1) return `${round(perSecond)} a second`;
  if (perSecond * 60 >= 1) return `${round(perSecond * 60)} a minute`;
  return `about ${round(perSecond * 3600)} an hour`;
}

const W = 170;
/** A label line's height. */
const LINE = 14;
const H = 44;

export function MapPage({ params }: { params: URLSearchParams }) {
  const range = rangeOf(params);
  const map = useApi<ServiceMap>('map', rangeQuery(params));
  const layout = useMemo(() => {
    if (!map.data) return undefined;
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 60, edgesep: 20, marginx: 20, marginy: 30 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of map.data.nodes) g.setNode(n.id, { width: W, height: H });
    // each label is laid out as a box of its own (about 6.3 px a character at the label's
    // size), so that no node or other label covers it
    for (const e of map.data.edges) {
      if (!g.hasNode(e.source) || !g.hasNode(e.target)) continue;
      const lines = edgeLabel(e);
      g.setEdge(e.source, e.target, {
        lines,
        width: Math.max(...lines.map((l) => l.length)) * 6.3,
        height: lines.length * LINE,
        labelpos: 'c',
      });
    }
    dagre.layout(g);
    const graph = g.graph();
    return { g, width: (graph.width ?? 400) + 40, height: (graph.height ?? 200) + 40 };
  }, [map.data]);
  const target = (n: MapNode) =>
    n.type === 'queue'
      ? href('traces', { attr: `messaging.destination.name=${n.name}`, ...range })
      : href('traces', { service: n.name, ...range });
  return (
    <section class="page">
      <div class="filters">
        <TimeRange params={params} onChange={(r) => navigate(href('map', { ...r }))} />
      </div>
      {map.loading && <p class="loading">Loading…</p>}
      {map.error && (
        <p class="error" role="alert">
          {map.error}
        </p>
      )}
      {map.data && map.data.nodes.length === 0 && <p class="empty">No spans in this time range.</p>}
      {layout && map.data && (
        <div class="map-wrap">
          <svg class="map" width={layout.width} height={layout.height} role="img" aria-label="Service map">
            <defs>
              <marker
                id="arrow"
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M 0 0 L 10 5 L 0 10 z" fill="#888" />
              </marker>
            </defs>
            {map.data.edges.map((e) => {
              const laid = layout.g.edge(e.source, e.target);
              const pts = laid?.points ?? [];
              if (pts.length === 0) return null;
              const d = pts.map((p: { x: number; y: number }, i: number) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
              return (
                <g key={`${e.source}>${e.target}`} class={`edge edge-${e.kind}`} data-edge={`${e.source}>${e.target}`}>
                  <path d={d} fill="none" marker-end="url(#arrow)" />
                  <text
                    x={laid.x}
                    y={laid.y - ((laid.lines.length - 1) * LINE) / 2 - 4}
                    text-anchor="middle"
                    class="edge-label"
                  >
                    {(laid.lines as string[]).map((l, i) => (
                      <tspan key={l} x={laid.x} dy={i === 0 ? 0 : LINE}>
                        {l}
                      </tspan>
                    ))}
                  </text>
                </g>
              );
            })}
            {map.data.nodes.map((n) => {
              const p = layout.g.node(n.id);
              if (!p) return null;
              return (
                <a
                  key={n.id}
                  href={target(n)}
                  class={`node node-${n.type}`}
                  aria-label={`${n.type} ${n.name}: open its traces`}
                  data-node={n.id}
                >
                  <g transform={`translate(${p.x - W / 2},${p.y - H / 2})`}>
                    <rect width={W} height={H} rx={n.type === 'queue' ? 22 : 6} />
                    <text x={W / 2} y={18} text-anchor="middle" class="node-name">
                      {n.name}
                    </text>
                    <text x={W / 2} y={34} text-anchor="middle" class="node-type">
                      {n.type === 'queue' ? (n.system ?? 'queue') : n.type}
                    </text>
                  </g>
                </a>
              );
            })}
          </svg>
        </div>
      )}
    </section>
  );
}
