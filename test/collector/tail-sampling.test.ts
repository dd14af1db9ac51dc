import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { idSlices, inRate } from '../../collector/src/sampling/sampler.js';
import { exited, killWhenDone, tempDir, useTempDir } from '../helpers/cleanup.js';
import { type ClickHouseHttp, startClickHouseHttp } from '../helpers/clickhouse-http.js';
import { api } from './fixtures.js';
import { type Running, useCollector } from './helpers.js';
import { freePort, startCollector, waitReady } from './process.js';

// Journey-aware tail sampling through the real collector on the --clickhouse-url path (the
// ClickHouse-HTTP test server in front of the embedded engine), with the official OTel exporter
// as the client. Journeys are three traces joined by message ids (an HTTP hop publishes, a
// consumer publishes again, a second consumer ends it). One collector samples (its sampler
// ticked by the test), one beside it stores everything (another database of the same engine),
// both fed the same spans; then two collector processes with sampling on share a third
// database, each receiving part of every journey.

const HEALTHY = 400;
const FAILING = 12;
const PERCENT = 10;
/** Healthy journeys kept: 10 % ± 5 points (the share is binomial, n = 400: σ ≈ 1.5 points). */
const TOLERANCE = 5;

const files = useTempDir('fntrace-sampling-rules-');
let clickhouse: ClickHouseHttp;
const sampledOptions: Record<string, unknown> = { clickhouseDatabase: 'sampled' };
const fullOptions: Record<string, unknown> = { clickhouseDatabase: 'full' };
beforeAll(async () => {
  clickhouse = await startClickHouseHttp();
  const rules = join(files.path, 'sampling.yaml');
  writeFileSync(rules, `decisionDelay: 1s\nhold: 1h\nkeep:\n  percent: ${PERCENT}\n`);
  Object.assign(sampledOptions, { clickhouseUrl: clickhouse.url, tailSampling: rules });
  Object.assign(fullOptions, { clickhouseUrl: clickhouse.url });
}, 60_000);
// after the collectors have closed (vitest runs after-hooks last registered first)
afterAll(async () => {
  await clickhouse?.close();
});
const sampled = useCollector(sampledOptions, { samplingInBackground: false });
const full = useCollector(fullOptions);

/** A provider exporting to each of `urls` (the same spans to every one). */
function provider(urls: string[]): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'cloud.provider': 'aws' }),
    spanProcessors: urls.map(
      (url) =>
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), {
          maxQueueSize: 100_000,
          maxExportBatchSize: 2000,
        }),
    ),
  });
}

interface Sent {
  /** Each journey's trace ids, first hop first. */
  journeys: { traces: string[]; failing: boolean }[];
}

/**
 * `n` journeys of three hops; hop k's spans come from `tracers[k % tracers.length]` (so that
 * with two collectors the hops of one journey arrive at different ones), and the publish span
 * of hop k from the next tracer (a trace's spans split between collectors too).
 */
function sendJourneys(tracers: Tracer[], n: number, failing: boolean, tag: string): Sent['journeys'] {
  const out: Sent['journeys'] = [];
  for (let i = 0; i < n; i++) {
    const traces: string[] = [];
    for (let k = 0; k < 3; k++) {
      const tracer = tracers[k % tracers.length]!;
      const hop = tracer.startSpan(k === 0 ? 'POST /orders' : `consume-${k}`, {
        root: true,
        kind: k === 0 ? SpanKind.SERVER : SpanKind.CONSUMER,
        attributes: {
          'faas.name': `hop-${k}`,
          'faas.invocation_id': randomUUID(),
          'faas.trigger': k === 0 ? 'http' : 'pubsub',
          'faas.max_memory': '536870912',
          'faas.coldstart': false,
          ...(k > 0 ? { 'messaging.message.id': `${tag}-${i}-m${k}`, 'messaging.system': 'aws_sqs' } : {}),
        },
      });
      traces.push(hop.spanContext().traceId);
      if (k < 2) {
        const publisher = tracers[(k + 1) % tracers.length]!;
        publisher
          .startSpan(
            'publish',
            {
              kind: SpanKind.PRODUCER,
              attributes: { 'messaging.message.id': `${tag}-${i}-m${k + 1}`, 'messaging.system': 'aws_sqs' },
            },
            trace.setSpan(context.active(), hop),
          )
          .end();
      }
      if (k === 2 && failing) hop.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      hop.end();
    }
    out.push({ traces, failing });
  }
  return out;
}

const rowsOf = (c: Running, sql: string, params?: Record<string, unknown>) =>
  c.query<Record<string, string>>(sql, params);

/** Tick the sampler until every staged trace is decided (the decision delay passes on the store's clock). */
async function decideAll(c: Running, db: string, traces: number): Promise<void> {
  for (;;) {
    await c.server.app.sampler.tick();
    const [r] = await rowsOf(c, `SELECT toString(uniqExact(TraceId)) AS n FROM ${db}.fntrace_sampling_decisions`);
    if (Number(r!.n) >= traces) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('journey-aware tail sampling', () => {
  let journeys: Sent['journeys'] = [];

  beforeAll(async () => {
    const p = provider([sampled.url, full.url]);
    const tracer = p.getTracer('tail-sampling-test');
    journeys = [
      ...sendJourneys([tracer], HEALTHY, false, 'healthy'),
      ...sendJourneys([tracer], FAILING, true, 'failing'),
    ];
    await p.forceFlush();
    await p.shutdown();
    await sampled.drained(60_000);
    await full.drained(60_000);
    await decideAll(sampled, 'sampled', journeys.length * 3);
  }, 180_000);

  it('keeps whole every journey whose third hop failed, for its error', async () => {
    const failing = journeys.filter((j) => j.failing).flatMap((j) => j.traces);
    const stored = await rowsOf(
      sampled,
      'SELECT TraceId, toString(count()) AS n FROM sampled.otel_traces WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId',
      { ids: failing },
    );
    // hops 1 and 2 have their invocation and a publish span, hop 3 its invocation
    expect(Object.fromEntries(stored.map((r) => [r.TraceId, Number(r.n)]))).toEqual(
      Object.fromEntries(journeys.filter((j) => j.failing).flatMap((j) => j.traces.map((t, k) => [t, k < 2 ? 2 : 1]))),
    );
    for (const j of journeys.filter((x) => x.failing)) {
      const answers = await Promise.all(j.traces.map((t) => api(sampled.url, `/api/traces/${t}/sampling`)));
      for (const a of answers)
        expect(a).toMatchObject({ state: 'kept', reason: 'error', journeyId: [...j.traces].sort()[0] });
    }
    // counted by reason, dropped spans too
    const metrics = await (await fetch(`${sampled.url}/metrics`)).text();
    expect(metrics).toContain(`fntrace_tail_sampling_traces_total{reason="error"} ${FAILING * 3}`);
    expect(metrics).toMatch(/fntrace_tail_sampling_spans_total\{outcome="sampled_out"\} [1-9]/);
  });

  it('finds each journey whole from many traces at once (the bound on a journey is per journey)', async () => {
    const { journeysOf } = await import('../../collector/src/sampling/journeys.js');
    const some = journeys.slice(0, 6);
    const groups = await journeysOf(
      sampled.server.parts().store,
      some.map((j) => j.traces[0]!),
      3,
    );
    expect([...groups.values()].sort()).toEqual(some.map((j) => [...j.traces].sort()).sort());
  });

  it(`keeps ${PERCENT} % ± ${TOLERANCE} points of healthy journeys, whole, the same ones the hash picks`, async () => {
    const healthy = journeys.filter((j) => !j.failing);
    // every span in this database came from this file's journeys
    const storedTraces = new Set(
      (await rowsOf(sampled, 'SELECT DISTINCT TraceId FROM sampled.otel_traces')).map((r) => r.TraceId),
    );
    const kept = healthy.filter((j) => j.traces.some((t) => storedTraces.has(t)));
    // whole journeys or nothing
    for (const j of healthy) expect(j.traces.filter((t) => storedTraces.has(t)).length % 3).toBe(0);
    expect(kept.map((j) => j.traces[0])).toEqual(
      healthy.filter((j) => inRate([...j.traces].sort()[0]!, PERCENT)).map((j) => j.traces[0]),
    );
    const share = (kept.length / healthy.length) * 100;
    expect(share).toBeGreaterThanOrEqual(PERCENT - TOLERANCE);
    expect(share).toBeLessThanOrEqual(PERCENT + TOLERANCE);
    const out = healthy.find((j) => !kept.includes(j))!;
    expect(await api(sampled.url, `/api/traces/${out.traces[1]}/sampling`)).toMatchObject({
      state: 'sampled_out',
      reason: 'sampled_out',
      staged: true,
    });
    // still viewable from staging until the hold ends
    const view = await api(sampled.url, `/api/traces/${out.traces[1]}`);
    expect(
      view.spans
        .filter((x: { virtual?: boolean }) => !x.virtual)
        .map((x: { name: string }) => x.name)
        .sort(),
    ).toEqual(['consume-1', 'publish']);
    const keptOne = await api(sampled.url, `/api/traces/${kept[0]!.traces[2]}/sampling`);
    expect(keptOne).toMatchObject({ state: 'kept', reason: 'rate' });
    // by the short id the dashboard shows, as every trace route takes it
    const id = kept[0]!.traces[2]!;
    const short = await fetch(`${sampled.url}/api/traces/${id.slice(0, 12)}/sampling`);
    expect(short.status).toBe(200);
    expect(await short.json()).toMatchObject({ traceId: id, state: 'kept', reason: 'rate' });
    const none = await fetch(
      `${sampled.url}/api/traces/${id.startsWith('0') ? 'ffff' : '0000'}${'0'.repeat(12)}/sampling`,
    );
    expect(none.status).toBe(404);
  });

  it('computes invocations, cost, trace summaries and metrics from every span, as storing all does', async () => {
    const invocations = (db: string, c: Running) =>
      rowsOf(
        c,
        `SELECT TraceId, SpanId, FunctionName, toString(DurationNs) AS d, toString(BilledDurationMs) AS b,
           toString(EstimatedCostUsd) AS cost, Outcome FROM ${db}.fntrace_invocations ORDER BY TraceId, SpanId`,
      );
    const summaries = (db: string, c: Running) =>
      rowsOf(
        c,
        `SELECT TraceId, toString(sum(SpanCount)) AS spans, toString(sum(ErrorCount)) AS errors,
           toString(sum(Invocations)) AS inv, toString(sum(CostUsd)) AS cost
         FROM ${db}.fntrace_trace_summary GROUP BY TraceId ORDER BY TraceId`,
      );
    const fromSampled = await invocations('sampled', sampled);
    expect(fromSampled).toHaveLength((HEALTHY + FAILING) * 3);
    expect(fromSampled).toEqual(await invocations('full', full));
    expect(await summaries('sampled', sampled)).toEqual(await summaries('full', full));
    const now = Date.now();
    const q = `/api/metrics?groupBy=function&start=${now - 3_600_000}&end=${now + 60_000}&step=1h`;
    const [a, b] = await Promise.all([api(sampled.url, q), api(full.url, q)]);
    expect(a.series.length).toBe(3);
    expect(a).toEqual(b);
    // by service and operation too: from every entry span, not from the kept ones
    for (const groupBy of ['service', 'operation']) {
      const path = q.replace('groupBy=function', `groupBy=${groupBy}`);
      const [x, y] = await Promise.all([api(sampled.url, path), api(full.url, path)]);
      expect(x.series.length).toBeGreaterThan(0);
      expect(x).toEqual(y);
    }
    // span-level alert signals too: they read every staged span, not the kept ones
    const { evaluateSignal } = await import('../../collector/src/alerts/signals.js');
    const { parseRule } = await import('../../collector/src/alerts/rule.js');
    for (const signal of ['error_rate', 'latency_p95', 'throughput']) {
      const rule = parseRule(
        { id: signal, name: signal, signal, comparator: '>', threshold: 1, target: { service: 'shop' } },
        '/rule',
      );
      const [x, y] = await Promise.all(
        [sampled, full].map((c) => evaluateSignal(c.server.parts().store, rule, now - 3_600_000, now + 60_000)),
      );
      expect(x?.[0]?.samples).toBe((HEALTHY + FAILING) * 3);
      expect(x).toEqual(y);
    }
    // while the spans themselves are a fraction
    const [spans] = await rowsOf(sampled, 'SELECT toString(count()) AS n FROM sampled.otel_traces');
    const [all] = await rowsOf(full, 'SELECT toString(count()) AS n FROM full.otel_traces');
    expect(Number(spans!.n)).toBeLessThan(Number(all!.n) * 0.3);
  });

  it('counts each kept span as the spans it stands for in the services list and the map', async () => {
    const now = Date.now();
    const range = `start=${now - 3_600_000}&end=${now + 60_000}`;
    // what the weights make of the decisions: a journey the rate rule kept counts 100 / 10 times
    const [expected] = await rowsOf(
      sampled,
      `SELECT toString(sum(Spans * if(Reason = 'rate', 100 / ${PERCENT}, 1))) AS spans,
         toString(sumIf(Spans, Reason = 'rate')) AS rated
       FROM sampled.fntrace_sampling_decisions WHERE Kept = 1`,
    );
    expect(Number(expected!.rated)).toBeGreaterThan(0);
    const [x, y] = await Promise.all([
      api(sampled.url, `/api/services?${range}`),
      api(full.url, `/api/services?${range}`),
    ]);
    const shop = (list: { service: string; spans: number; errors: number }[]) =>
      list.find((s) => s.service === 'shop')!;
    expect(shop(x.services).spans).toBe(Number(expected!.spans));
    // every error is in a journey kept for it: its count is exact
    expect(shop(x.services).errors).toBe(shop(y.services).errors);
    expect(shop(y.services).spans).toBe((HEALTHY + FAILING) * 5);
    // the estimate is near every span's count (binomial: 400 journeys, 10 %), unlike the kept ones alone
    expect(shop(x.services).spans / shop(y.services).spans).toBeGreaterThan(0.5);
    expect(shop(x.services).spans / shop(y.services).spans).toBeLessThan(1.5);
    const [mapX, mapY] = await Promise.all([api(sampled.url, `/api/map?${range}`), api(full.url, `/api/map?${range}`)]);
    const node = (m: { nodes: { id: string; spans?: number }[] }) => m.nodes.find((n) => n.id === 'shop')!.spans!;
    expect(node(mapX)).toBe(shop(x.services).spans);
    expect(node(mapY)).toBe(shop(y.services).spans);
  });
});

describe('two collector processes sampling into one store', () => {
  const data = useTempDir('fntrace-sampling-procs-');
  // everything in the shared database came from this test
  const query = async (sql: string) => {
    const res = await fetch(`${clickhouse.url}/?default_format=JSONEachRow`, { method: 'POST', body: sql });
    const text = await res.text();
    if (res.status !== 200) throw new Error(text);
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, string>);
  };
  /** Whether the collector at `url` says it holds the sampling lease (its /metrics gauge). */
  const leads = async (url: string) =>
    /^fntrace_tail_sampling_leader 1$/m.test(await (await fetch(`${url}/metrics`)).text());
  /** Waits until the shared database holds decisions for all of `ids`. */
  const decided = async (ids: string[], logs: string[][]) => {
    const until = Date.now() + 120_000;
    for (;;) {
      const [r] = await query(
        `SELECT toString(uniqExact(TraceId)) AS n FROM shared.fntrace_sampling_decisions
         WHERE TraceId IN (${ids.map((i) => `'${i}'`).join(',')})`,
      );
      if (Number(r!.n) === ids.length) return;
      if (Date.now() > until) throw new Error(`${r!.n} of ${ids.length} decided; ${logs.flat().join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  /** Every decision as the rules make it, and each kept span stored once, nothing else. */
  const expectDecidedOnce = async (sent: Sent['journeys']) => {
    const decisions = await query(
      `SELECT TraceId, toString(uniqExact(Kept, Reason, JourneyId)) AS views, any(Kept) AS kept, any(Reason) AS reason
       FROM shared.fntrace_sampling_decisions GROUP BY TraceId`,
    );
    expect(decisions.every((d) => d.views === '1')).toBe(true);
    const byTrace = new Map(decisions.map((d) => [d.TraceId, d]));
    for (const j of sent) {
      const expected = j.failing ? 'error' : inRate([...j.traces].sort()[0]!, PERCENT) ? 'rate' : 'sampled_out';
      for (const t of j.traces) expect(byTrace.get(t)?.reason).toBe(expected);
    }
    const copies = await query(
      `SELECT TraceId, SpanId, toString(count()) AS n FROM shared.otel_traces
       GROUP BY TraceId, SpanId`,
    );
    expect(copies.every((c) => c.n === '1')).toBe(true);
    const keptTraces = new Set(decisions.filter((d) => Number(d.kept) === 1).map((d) => d.TraceId));
    expect(new Set(copies.map((c) => c.TraceId))).toEqual(keptTraces);
    expect(copies).toHaveLength(sent.filter((j) => keptTraces.has(j.traces[0]!)).length * 5);
  };

  it('one decides at a time (a lease in the store), each kept span stored once; the other takes over when it dies', async () => {
    const ports = [await freePort(), await freePort()];
    const env = {
      FNTRACE_CLICKHOUSE_URL: clickhouse.url,
      FNTRACE_CLICKHOUSE_DATABASE: 'shared',
      FNTRACE_TAIL_SAMPLING: join(files.path, 'sampling.yaml'),
      FNTRACE_SEGMENT_MAX_AGE_MS: '20',
    };
    // the schema first, by one of them, so the two do not race to create it
    const procs = [killWhenDone(startCollector(join(data.path, 'a'), ports[0]!, env))];
    await waitReady(`http://127.0.0.1:${ports[0]}`, 60_000);
    procs.push(killWhenDone(startCollector(join(data.path, 'b'), ports[1]!, env)));
    await waitReady(`http://127.0.0.1:${ports[1]}`, 60_000);
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const logs = procs.map((p) => {
      const out: string[] = [];
      p.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
      return out;
    });
    // each hop of a journey, and each trace's publish span, goes to the other collector
    const providers = urls.map((u) => provider([u]));
    const tracers = providers.map((p) => p.getTracer('two-collectors'));
    const sent = [
      ...sendJourneys(tracers, 150, false, 'shared-healthy'),
      ...sendJourneys(tracers, 8, true, 'shared-failing'),
    ];
    await Promise.all(providers.map((p) => p.forceFlush().then(() => p.shutdown())));
    // (each of the other describe's collectors is idle by now: no traces of theirs are pending)
    await decided(
      sent.flatMap((j) => j.traces),
      logs,
    );
    await expectDecidedOnce(sent);
    const leading = await Promise.all(urls.map(leads));
    expect(leading.filter(Boolean)).toHaveLength(1);
    const [term] = await query(
      'SELECT toString(uniqExact(Term)) AS terms, toString(uniqExact(Holder)) AS holders FROM shared.fntrace_sampling_lease',
    );
    expect(term).toMatchObject({ terms: '1' });

    // the holder dies without a word; once its lease lapses the survivor decides what comes next
    const holder = leading.indexOf(true);
    const survivor = 1 - holder;
    procs[holder]!.kill('SIGKILL');
    await exited(procs[holder]!);
    const after = provider([urls[survivor]!]);
    const more = [
      ...sendJourneys([after.getTracer('after')], 40, false, 'after-healthy'),
      ...sendJourneys([after.getTracer('after')], 4, true, 'after-failing'),
    ];
    await after.forceFlush();
    await after.shutdown();
    await decided(
      more.flatMap((j) => j.traces),
      logs,
    );
    expect(await leads(urls[survivor]!)).toBe(true);
    await expectDecidedOnce([...sent, ...more]);
    procs[survivor]!.kill('SIGTERM');
    await exited(procs[survivor]!);
  }, 240_000);
});

it('reads a busy hold in ranges of trace ids that hold every id once, whatever their number', () => {
  const ids = Array.from({ length: 2000 }, () => randomUUID().replaceAll('-', ''));
  for (const n of [1, 2, 4, 8, 16]) {
    const ranges = idSlices(n);
    expect(ranges).toHaveLength(n);
    for (const id of ids) expect(ranges.filter(([lo, hi]) => id >= lo && id < hi)).toHaveLength(1);
  }
});

it('refuses a rules file with a mistake, naming the file, line and field', async () => {
  const { buildServer } = await import('../../collector/src/index.js');
  const dir = tempDir('fntrace-sampling-bad-');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'decisionDelay: 30s\nhold: 1h\nkeep:\n  percent: 150\n');
  expect(() => buildServer({ data: dir, tailSampling: bad })).toThrow(
    `option --tail-sampling: ${bad}:4: /keep/percent: must be <= 100 (got 150)`,
  );
  writeFileSync(bad, 'decisionDelay: 1m\nhold: 30s\n');
  expect(() => buildServer({ data: dir, tailSampling: bad })).toThrow(
    /bad\.yaml:2: \/hold: must be longer than decisionDelay/,
  );
  writeFileSync(bad, 'keep:\n  errrors: true\n');
  expect(() => buildServer({ data: dir, tailSampling: bad })).toThrow(
    /bad\.yaml:2: \/keep\/errrors: is not a field here/,
  );
});

describe('decisions that come late', () => {
  /** Tick the sampling collector until `done` holds. */
  async function tickUntil(done: () => Promise<boolean>): Promise<void> {
    for (;;) {
      await sampled.server.app.sampler.tick();
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const decisionOf = (t: string) => api(sampled.url, `/api/traces/${t}/sampling`);
  const spansOf = async (t: string) =>
    (
      await rowsOf(sampled, 'SELECT SpanName FROM sampled.otel_traces WHERE TraceId = {t:String} ORDER BY SpanName', {
        t,
      })
    ).map((r) => r.SpanName);

  it('gives a trace that joins a decided journey its decision, and copies a kept trace’s late spans', async () => {
    const p = provider([sampled.url]);
    const tracer = p.getTracer('late');
    const tag = randomUUID();
    const first = tracer.startSpan('POST /refunds', { root: true, kind: SpanKind.SERVER });
    first.setStatus({ code: SpanStatusCode.ERROR });
    tracer
      .startSpan(
        'publish',
        { kind: SpanKind.PRODUCER, attributes: { 'messaging.message.id': `${tag}-1` } },
        trace.setSpan(context.active(), first),
      )
      .end();
    first.end();
    const second = tracer.startSpan('consume-1', {
      root: true,
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.message.id': `${tag}-1` },
    });
    tracer
      .startSpan(
        'publish',
        { kind: SpanKind.PRODUCER, attributes: { 'messaging.message.id': `${tag}-2` } },
        trace.setSpan(context.active(), second),
      )
      .end();
    second.end();
    await p.forceFlush();
    await sampled.drained();
    const [a, b] = [first.spanContext().traceId, second.spanContext().traceId];
    await tickUntil(async () => (await decisionOf(b)).state !== 'pending');
    expect(await decisionOf(b)).toMatchObject({ state: 'kept', reason: 'error' });

    // the third hop, long after, and a span of the first trace that was late
    const third = tracer.startSpan('consume-2', {
      root: true,
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.message.id': `${tag}-2` },
    });
    third.end();
    tracer.startSpan('late-child', {}, trace.setSpan(context.active(), first)).end();
    await p.forceFlush();
    await p.shutdown();
    await sampled.drained();
    const c = third.spanContext().traceId;
    await tickUntil(async () => (await decisionOf(c)).state !== 'pending' && (await spansOf(a)).length === 3);
    expect(await decisionOf(c)).toMatchObject({ state: 'kept', reason: 'error', journeyId: [a, b].sort()[0] });
    expect(await spansOf(c)).toEqual(['consume-2']);
    expect(await spansOf(a)).toEqual(['POST /refunds', 'late-child', 'publish']);
  }, 60_000);
});

describe('--tail-sampling switched at start-up', () => {
  it('moves the views to the staging table and back, keeping what nobody decided', async () => {
    const { migrate } = await import('../../collector/src/schema.js');
    const { openStore } = await import('../../collector/src/store/clickhouse.js');
    const { resolveCollectorOptions } = await import('../../collector/src/config/options.js');
    const dir = tempDir('fntrace-sampling-switch-');
    const store = await openStore(
      resolveCollectorOptions({ data: dir, clickhouseUrl: clickhouse.url, clickhouseDatabase: 'switch' }),
    );
    onTestFinished(() => store.close());
    const rows = async (query: string) =>
      (await (await store.client.query({ query, format: 'JSONEachRow' })).json()) as Record<string, string>[];
    const viewSource = async () =>
      (
        await rows(
          "SELECT create_table_query AS q FROM system.tables WHERE database = 'switch' AND name = 'fntrace_invocations_mv'",
        )
      )[0]!.q!.includes('fntrace_spans_staging');
    const count = async (table: string) =>
      Number((await rows(`SELECT toString(count()) AS n FROM switch.${table}`))[0]!.n);
    const span = (table: 'otel_traces' | 'fntrace_spans_staging', id: string) =>
      store.client.command({
        query: `INSERT INTO switch.${table} (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, SpanAttributes, Duration, StatusCode)
          VALUES (now64(9), {t:String}, {s:String}, 'op', 'Server', 'svc',
                  map('faas.invocation_id', {inv:String}, 'faas.trigger', 'http'), 1000000, 'Unset')`,
        query_params: { t: id.repeat(32), s: id.repeat(16), inv: `inv-${id}` },
      });
    const logged: string[] = [];
    const log = (m: string) => logged.push(m);

    const { spansTableOf } = await import('../../collector/src/store/staging.js');
    await migrate(store, 30, log);
    expect(await viewSource()).toBe(false);
    expect(await spansTableOf(store)).toBeUndefined();
    await migrate(store, 30, log, { tailSamplingHoldSeconds: 600 });
    expect(await viewSource()).toBe(true);
    // what fntrace quarantine retry inserts into, from the store alone
    expect(await spansTableOf(store)).toBe('fntrace_spans_staging');
    expect(logged).toEqual([
      'tail sampling on: spans are staged in fntrace_spans_staging for 600 s; the views count them all there',
    ]);
    await span('fntrace_spans_staging', 'a');
    expect([await count('fntrace_invocations'), await count('otel_traces')]).toEqual([1, 0]);
    await migrate(store, 30, log, { tailSamplingHoldSeconds: 600 });
    expect(logged).toHaveLength(1);

    await migrate(store, 30, log);
    expect(await viewSource()).toBe(false);
    expect(logged[1]).toBe(
      'tail sampling off: staged spans nobody decided on are kept; the views read otel_traces again',
    );
    // the staged span is kept, and counted once
    expect([await count('fntrace_invocations'), await count('otel_traces')]).toEqual([1, 1]);
    await span('otel_traces', 'b');
    expect([await count('fntrace_invocations'), await count('otel_traces')]).toEqual([2, 2]);
  }, 60_000);
});

describe('--tail-sampling on a cluster', () => {
  it('makes Replicated staging tables with Distributed ones, and views on the local tables', async () => {
    const { stagingStatements } = await import('../../collector/src/store/staging.js');
    const o = { database: 'fntrace', cluster: 'c1', retentionDays: 30 };
    const on = stagingStatements(o, { holdSeconds: 3600 }, false);
    for (const s of on.filter((x) => !x.startsWith('INSERT'))) expect(s).toContain('ON CLUSTER `c1`');
    expect(on).toContainEqual(
      expect.stringMatching(
        /^CREATE TABLE IF NOT EXISTS `fntrace`.`fntrace_spans_staging_local` ON CLUSTER `c1` \([\s\S]+ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/fntrace\/fntrace_spans_staging_local', '\{replica\}'\)/,
      ),
    );
    expect(on).toContainEqual(
      expect.stringContaining('ENGINE = Distributed(`c1`, `fntrace`, `fntrace_spans_staging_local`'),
    );
    const views = on.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views).toHaveLength(6);
    for (const v of views) expect(v).toContain('FROM `fntrace`.`fntrace_spans_staging_local`');
    // already on: the tables are made if missing and the hold kept, nothing else moves
    const again = stagingStatements(o, { holdSeconds: 3600 }, true);
    expect(again.some((s) => s.startsWith('DROP'))).toBe(false);
    // off: staged spans nobody decided go to otel_traces before the views move back
    const off = stagingStatements(o, {}, true);
    expect(off[0]).toMatch(/^DROP VIEW IF EXISTS `fntrace`.`fntrace_entry_spans_mv_local` ON CLUSTER/);
    expect(off[1]).toMatch(/^INSERT INTO `fntrace`.`otel_traces`/);
    expect(
      off.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW')).every((s) => s.includes('`otel_traces_local`')),
    ).toBe(true);
  });
});
