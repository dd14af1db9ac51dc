import type { Store } from '../store/clickhouse.js';
import { STAGING_TABLE } from '../store/tables.js';

/**
 * Journeys for the sampler: the traces joined to some starting traces, as the journey view
 * (query/journey.ts) joins them — span links, producer and consumer spans of one message id, a
 * shared correlation id on invocations (unless it is the invocation's own id) — found
 * breadth-first among the spans the staging table holds (the hold time: what was stored longer
 * ago is decided already), then grouped by union-find. The journey view reads the same joins
 * from the tables the views fill, which keep them for the whole retention; reading staging keeps
 * the sampler's cost to the hold's worth of spans. Every collector asking about the same traces
 * gets the same groups: nothing here is held between calls.
 */

/** Disjoint sets of trace ids. */
export class UnionFind {
  private readonly parent = new Map<string, string>();
  /** Set sizes, by root. */
  private readonly sizes = new Map<string, number>();

  find(x: string): string {
    let root = this.parent.get(x) ?? x;
    if (root === x) {
      if (!this.parent.has(x)) this.parent.set(x, x);
      return x;
    }
    while (this.parent.get(root)! !== root) root = this.parent.get(root)!;
    // path compression
    let at = x;
    while (at !== root) {
      const next = this.parent.get(at)!;
      this.parent.set(at, root);
      at = next;
    }
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const size = this.size(ra) + this.size(rb);
    // the smaller id is the root: groups come out the same whatever the order of unions
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent.set(child, root);
    this.sizes.set(root, size);
  }

  /** How many ids are in the set of `x`. */
  size(x: string): number {
    return this.sizes.get(this.find(x)) ?? 1;
  }

  /** The groups, each sorted, keyed by their smallest id. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const x of this.parent.keys()) {
      const r = this.find(x);
      const list = out.get(r) ?? [];
      list.push(x);
      out.set(r, list);
    }
    for (const list of out.values()) list.sort();
    return out;
  }
}

/**
 * Trace ids per query: query parameters travel in the URL, which servers bound (ClickHouse at
 * 1 MiB, proxies and Node's HTTP parser at 16 KiB): 200 ids are about 7 KiB.
 */
export const ID_BATCH = 200;

/** Ids per query on `store`: the embedded engine takes its parameters in memory, so many more. */
export const idBatch = (store: Store) => (store.embedded ? 10_000 : ID_BATCH);

/** `list` in slices of `size`. */
export function batches<T>(list: readonly T[], size = ID_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const rows = async <T>(store: Store, query: string, query_params: Record<string, unknown>) =>
  (await (await store.client.query({ query, query_params, format: 'JSONEachRow' })).json()) as T[];

/**
 * The journeys of `start`: every trace reached from them, grouped. A journey that reaches
 * `maxTraces` traces stops growing there (its group is what was reached); the bound is per
 * journey, so many small journeys started together are each found whole.
 */
export async function journeysOf(store: Store, start: string[], maxTraces = 5000): Promise<Map<string, string[]>> {
  const staging = `\`${store.database}\`.\`${STAGING_TABLE}\``;
  // an invocation span, as fntrace_invocations takes them
  const invocation = "FaasInvocationId != '' AND FaasTrigger != ''";
  const sets = new UnionFind();
  const seen = new Set<string>();
  for (const id of start) {
    seen.add(id);
    sets.find(id);
  }
  let frontier = [...start];
  const size = idBatch(store);
  while (frontier.length > 0) {
    const ids = frontier.slice(0, size);
    frontier = frontier.slice(size);
    const [links, messages, correlated] = await Promise.all([
      rows<{ a: string; b: string }>(
        store,
        `SELECT TraceId AS a, arrayJoin(Links.TraceId) AS b FROM ${staging}
         WHERE TraceId IN {ids:Array(String)} OR hasAny(Links.TraceId, {ids:Array(String)})`,
        { ids },
      ),
      rows<{ a: string; b: string }>(
        store,
        `SELECT MessagingMessageId AS a, TraceId AS b FROM ${staging}
         WHERE SpanKind IN ('Producer', 'Consumer') AND MessagingMessageId IN (
           SELECT MessagingMessageId FROM ${staging}
           WHERE TraceId IN {ids:Array(String)} AND MessagingMessageId != '' AND SpanKind IN ('Producer', 'Consumer'))`,
        { ids },
      ),
      rows<{ a: string; b: string }>(
        store,
        `SELECT CorrelationId AS a, TraceId AS b FROM ${staging}
         WHERE ${invocation} AND CorrelationId IN (
           SELECT CorrelationId FROM ${staging}
           WHERE TraceId IN {ids:Array(String)} AND ${invocation} AND CorrelationId != '' AND CorrelationId != FaasInvocationId)`,
        { ids },
      ),
    ]);
    // `a` is a trace reached already; `b` joins its journey unless that journey is at the bound
    const join = (a: string, b: string) => {
      if (b === '' || a === b) return;
      if (!seen.has(b)) {
        if (sets.size(a) >= maxTraces) return;
        seen.add(b);
        frontier.push(b);
      }
      sets.union(a, b);
    };
    for (const l of links) {
      if (seen.has(l.a)) join(l.a, l.b);
      else if (seen.has(l.b)) join(l.b, l.a);
    }
    // traces sharing a message id or a correlation id: each joined to one of them reached already
    for (const list of [messages, correlated]) {
      const byKey = new Map<string, string[]>();
      for (const r of list) byKey.set(r.a, [...(byKey.get(r.a) ?? []), r.b]);
      for (const traces of byKey.values()) {
        const anchor = traces.find((t) => seen.has(t));
        if (anchor !== undefined) for (const t of traces) join(anchor, t);
      }
    }
  }
  return sets.groups();
}
