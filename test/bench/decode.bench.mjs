// How the collector decodes OTLP protobuf, measured: its hand-written decoder (protobufjs
// Reader → rows, collector/src/ingest/otlp-proto.ts) against protobufjs decoding the same
// body from the .proto schema (reflection-built Type.decode, as generated code does, then
// toObject to get plain values — before any conversion to rows, so the peer's figure is
// a lower bound for that approach).
//   node test/bench/decode.bench.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import protobuf from 'protobufjs';
import { bundleSource, fmt, isMain, LIB_DIR, ROOT, round, TMP, textTable, writeResult } from './lib/common.mjs';

const SPANS = Number(process.env.BENCH_DECODE_SPANS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_DECODE_ROUNDS ?? 7);

function makeBody(root) {
  const Req = root.lookupType('bench.otlp.ExportTraceServiceRequest');
  const kv = (key, v) => ({ key, value: { stringValue: v } });
  const spans = [];
  for (let i = 0; i < SPANS; i++) {
    const id = Buffer.alloc(16);
    id.writeUInt32BE(i + 1, 12);
    spans.push({
      traceId: id,
      spanId: id.subarray(8),
      name: `GET /orders/{id} ${i % 11}`,
      kind: 2,
      startTimeUnixNano: 1_795_000_000_000_000_000n + BigInt(i) * 1000n,
      endTimeUnixNano: 1_795_000_000_000_000_000n + BigInt(i) * 1000n + 3_000_000n,
      attributes: Array.from({ length: 20 }, (_, k) => kv(`attr.key.${k}`, `value-${k}-${i % 97}`)),
      status: { code: i % 50 === 0 ? 2 : 0 },
    });
  }
  const msg = Req.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', 'orders'), kv('cloud.region', 'us-east-1')] },
        scopeSpans: [{ scope: { name: 'bench' }, spans }],
      },
    ],
  });
  return { Req, body: Req.encode(msg).finish() };
}

export async function run() {
  const root = protobuf.parse(readFileSync(join(LIB_DIR, 'otlp-trace.proto'), 'utf8'), { keepCase: false }).root;
  const { Req, body } = makeBody(root);
  // the decoder from source, as the collector runs it
  const outfile = join(TMP, 'decode-otlp-proto.mjs');
  await bundleSource(join(ROOT, 'collector/src/ingest/otlp-proto.ts'), outfile);
  const { decodeTracesProto } = await import(pathToFileURL(outfile).href);
  const variants = {
    fntrace: () => decodeTracesProto(body).rows.length,
    protobufjs: () =>
      Req.toObject(Req.decode(body), { longs: String, bytes: String }).resourceSpans[0].scopeSpans[0].spans.length,
  };
  const results = {};
  for (const [name, fn] of Object.entries(variants)) {
    for (let i = 0; i < 3; i++) fn(); // warm up
    const rates = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint();
      const n = fn();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (n !== SPANS) throw new Error(`${name} decoded ${n} spans, expected ${SPANS}`);
      rates.push(SPANS / s);
    }
    rates.sort((a, b) => a - b);
    results[name] = { spansPerSecond: round(rates[Math.floor(rates.length / 2)], 0) };
  }
  const ratio = round(results.fntrace.spansPerSecond / results.protobufjs.spansPerSecond, 2);
  const result = {
    bench: 'decode',
    params: { spans: SPANS, attributesPerSpan: 20, bodyBytes: body.length, rounds: ROUNDS },
    variants: results,
    ratio,
  };
  console.log(
    textTable(
      ['decoder', 'spans/s (median round)'],
      [
        ['fntrace hand-written (protobufjs Reader → rows)', fmt(results.fntrace.spansPerSecond, 0)],
        ['protobufjs from the .proto (decode + toObject, no rows)', fmt(results.protobufjs.spansPerSecond, 0)],
      ],
    ),
  );
  console.log(`ratio hand-written / protobufjs: ${ratio}×  (${SPANS} spans × 20 attributes, ${body.length} bytes)`);
  writeResult('decode', result);
  return result;
}

if (isMain(import.meta.url)) await run();
