import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Stitching fixtures (`fixtures/stitch/<shape>.json`): OTLP/JSON request bodies written
 * with absolute times around one base instant. `load()` moves every time so the
 * fixture's earliest span starts `ageMs` before now, keeping every offset, so orphan
 * classes that depend on age and searches over "the last hour" behave as in production.
 */
export interface Fixture {
  description: string;
  ageMs: number;
  batches: any[];
}

const TIME_KEYS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'observedTimeUnixNano']);

function minStart(node: unknown, acc: { min: bigint | undefined }) {
  if (Array.isArray(node)) for (const n of node) minStart(n, acc);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'startTimeUnixNano' && typeof v === 'string') {
        const n = BigInt(v);
        if (acc.min === undefined || n < acc.min) acc.min = n;
      } else minStart(v, acc);
    }
  }
}

function shift(node: unknown, by: bigint): unknown {
  if (Array.isArray(node)) return node.map((n) => shift(n, by));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        TIME_KEYS.has(k) && typeof v === 'string' ? String(BigInt(v) + by) : shift(v, by),
      ]),
    );
  }
  return node;
}

export function load(shape: string, now = Date.now()): Fixture & { shiftNs: bigint } {
  const raw = JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures/stitch', `${shape}.json`), 'utf8'),
  ) as Fixture;
  const acc: { min: bigint | undefined } = { min: undefined };
  minStart(raw.batches, acc);
  const shiftNs = BigInt(now - raw.ageMs) * 1_000_000n - (acc.min ?? 0n);
  return { ...raw, batches: raw.batches.map((b) => shift(b, shiftNs)), shiftNs };
}

/** Sends an OTLP/JSON body to `/v1/<signal>`; throws unless every item of it was accepted. */
export async function send(url: string, body: unknown, signal: 'traces' | 'logs' = 'traces'): Promise<void> {
  const res = await fetch(`${url}/v1/${signal}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  if (res.status !== 200) throw new Error(`fixture batch refused: ${res.status} ${await res.text()}`);
  const answer = await res.json();
  if (answer.partialSuccess) throw new Error(`fixture batch partly refused: ${JSON.stringify(answer)}`);
}

/** One INFO log record of `service`, five seconds old, as OTLP/JSON, with string `attributes`. */
export function logLine(service: string, body: string, attributes: Record<string, string>) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now() - 5_000) * 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: body },
                attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
              },
            ],
          },
        ],
      },
    ],
  };
}

export async function api(url: string, path: string): Promise<any> {
  const res = await fetch(`${url}${path}`);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`GET ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}
