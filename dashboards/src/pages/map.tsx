import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import { TimeRange } from '../components/time-range.js';
import { useApi } from '../components/use-api.js';
import { ms, percent } from '../format.js';
import { href, navigate } from '../router.js';
import type { MapEdge, MapNode, ServiceMap } from '../view-model/types.js';

/**
 * The service map: services and functions as boxes, queues/topics/buses as their own
 * (rounded) nodes, laid out left to right by dagre; edge labels give rate, errors, p95 and,
 * for queue hops, dwell. Clicking a node (or pressing Enter on it) opens its traces.
 */

const edgeLabel = (e: MapEdge) =>
  `${e.count} · ${rate(e.ratePerSecond)} · ${percent(e.errorPercent)} err · p95 ${ms(e.p95Ms)}${e.dwellP95Ms !== undefined && e.dwellP95Ms !== null ? ` · dwell p95 ${ms(e.dwellP95Ms)}` : ''}`;

/** Requests per second, or per minute when that reads better. */
function rate(perSecond: number): string {
  if (perSecond >= 1) return `${perSecond.toFixed(1)}/s`;
  const perMinute = perSecond * 60;
  return `${perMinute >= 10 ? Math.round(perMinute) : Number(perMinute.toPrecision(2))}/min`;
}

const W = 170;
const H = 44;

export function MapPage({ params }: { params: URLSearchParams }) {
  const since = params.get('since') ?? '1h';
  const map = useApi<ServiceMap>('map', `since=${since}`);
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
      const label = edgeLabel(e);
      g.setEdge(e.source, e.target, { label, width: label.length * 6.3, height: 16, labelpos: 'c' });
    }
    dagre.layout(g);
    const graph = g.graph();
    return { g, width: (graph.width ?? 400) + 40, height: (graph.height ?? 200) + 40 };
  }, [map.data]);
  const target = (n: MapNode) =>
    n.type === 'queue'
      ? href('traces', { attr: `messaging.destination.name=${n.name}`, since })
      : href('traces', { service: n.name, since });
  return (
    <section class="page">
      <div class="filters">
        <TimeRange value={since} onChange={(v) => navigate(href('map', { since: v }))} />
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
                  <text x={laid.x} y={laid.y - 4} text-anchor="middle" class="edge-label">
                    {laid.label}
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
