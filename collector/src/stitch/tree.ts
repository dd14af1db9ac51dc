import { endNs, invocationIdOf, type StoredSpan } from './span-model.js';

/**
 * The tree of one trace, in the order a waterfall reads it.
 *
 * Spans are ordered depth-first, siblings by start time. A span whose parent is not in
 * the trace is an orphan: it is never hidden, but attached under a labelled virtual
 * parent, classified as
 * - `platform`: the parent id came from a platform hop that never exports spans (the
 *   SDK marks such parents `fntrace.parent.source=xray`: an API Gateway or X-Ray segment);
 * - `pending`: the orphans ended less than `graceMs` ago — the parent may still arrive
 *   from a function that was frozen before it flushed;
 * - `lost`: the window has passed.
 * Each span also gets the invocation it belongs to (its own `faas.invocation_id`, else
 * its parent's when both are in the same service).
 *
 * Assumes span ids are unique within the trace (a duplicate keeps the first seen).
 */
export type OrphanClass = 'platform' | 'pending' | 'lost';

export interface TreeNode {
  span: StoredSpan | undefined;
  /** For virtual parents: the missing parent's id. */
  spanId: string;
  depth: number;
  virtual: boolean;
  orphanClass?: OrphanClass;
  label?: string;
  invocationId?: string;
  childCount: number;
}

export interface Tree {
  nodes: TreeNode[];
  /** The trace's root span id, or the first virtual parent's id when the root never arrived. */
  rootSpanId: string | undefined;
  orphans: Record<OrphanClass, number>;
}

const LABELS: Record<OrphanClass, string> = {
  platform: 'platform hop (no spans exported, e.g. API Gateway or an X-Ray segment)',
  pending: 'parent not received yet (may still arrive from a frozen function)',
  lost: 'parent never received',
};

const byStart = (a: StoredSpan, b: StoredSpan) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0);

export function buildTree(spans: readonly StoredSpan[], nowNs: bigint, graceMs: number): Tree {
  const byId = new Map<string, StoredSpan>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const children = new Map<string, StoredSpan[]>();
  const roots: StoredSpan[] = [];
  const missing = new Map<string, StoredSpan[]>();
  for (const s of byId.values()) {
    if (!s.parentSpanId || s.parentSpanId === s.spanId) roots.push(s);
    else if (byId.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else {
      const list = missing.get(s.parentSpanId) ?? [];
      list.push(s);
      missing.set(s.parentSpanId, list);
    }
  }

  const nodes: TreeNode[] = [];
  const seen = new Set<string>();
  const grace = BigInt(Math.round(graceMs * 1e6));
  const walk = (
    span: StoredSpan,
    depth: number,
    inheritedInvocation: string | undefined,
    parent: StoredSpan | undefined,
  ) => {
    if (seen.has(span.spanId)) return; // a cycle in bad data must not loop forever
    seen.add(span.spanId);
    const own = invocationIdOf(span);
    const invocationId = own ?? (parent && parent.service === span.service ? inheritedInvocation : undefined);
    const kids = (children.get(span.spanId) ?? []).sort(byStart);
    nodes.push({ span, spanId: span.spanId, depth, virtual: false, invocationId, childCount: kids.length });
    for (const k of kids) walk(k, depth + 1, invocationId, span);
  };
  for (const r of roots.sort(byStart)) walk(r, 0, undefined, undefined);

  const orphans: Record<OrphanClass, number> = { platform: 0, pending: 0, lost: 0 };
  const virtuals = [...missing.entries()].sort(([, a], [, b]) => byStart(a.sort(byStart)[0]!, b[0]!));
  for (const [parentId, kids] of virtuals) {
    kids.sort(byStart);
    let cls: OrphanClass;
    if (kids.some((k) => k.attributes['fntrace.parent.source'] === 'xray')) cls = 'platform';
    else {
      // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigint
      const lastEnd = kids.reduce((m, k) => (endNs(k) > m ? endNs(k) : m), 0n);
      cls = nowNs - lastEnd < grace ? 'pending' : 'lost';
    }
    orphans[cls] += kids.length;
    nodes.push({
      span: undefined,
      spanId: parentId,
      depth: 0,
      virtual: true,
      orphanClass: cls,
      label: LABELS[cls],
      childCount: kids.length,
    });
    for (const k of kids) walk(k, 1, undefined, undefined);
  }
  const rootSpanId = roots.sort(byStart)[0]?.spanId ?? virtuals[0]?.[0];
  return { nodes, rootSpanId, orphans };
}
