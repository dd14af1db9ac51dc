/** Durations and times as people read them. */
export function ms(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  if (n < 1) return `${Math.round(n * 1000)} µs`;
  if (n < 1000) return `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(2)} s`;
  return `${(n / 60_000).toFixed(1)} min`;
}

/** A shift: `+2.00 s`, `−220 ms`. */
export const signedMs = (n: number) => `${n < 0 ? '−' : '+'}${ms(Math.abs(n))}`;

/** Billed time: whole milliseconds as Lambda bills them (`4 ms`, not `4.00 ms`). */
export const billed = (n: number | undefined | null) =>
  n !== undefined && n !== null && Number.isInteger(n) && n < 1000 ? `${n} ms` : ms(n);

export function time(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function dateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.toISOString().slice(0, 10)} ${time(epochMs)}`;
}

export function usd(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  if (n === 0) return '$0';
  // a Lambda invocation costs millionths of a dollar: three significant digits, never 3.13e-7
  if (Math.abs(n) < 0.01) return `$${n.toFixed(Math.min(12, 2 - Math.floor(Math.log10(Math.abs(n)))))}`;
  return `$${n.toFixed(2)}`;
}

/**
 * A cost as people compare them: dollars and cents from a cent up; below that (a Lambda
 * invocation costs millionths of a dollar) the cost of a million of them, `$0.31 per million`.
 */
export function cost(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  if (n === 0 || Math.abs(n) >= 0.01) return usd(n);
  return `${usd(n * 1e6)} per million`;
}

/** Bytes in binary units, as memory is sized: `256 MiB`, `1.5 KiB`, `512 B`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || Number.isInteger(v) ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** Epoch milliseconds from 2001 to 2286: a number this big under a `_ms` key is a date, not a duration. */
const isEpochMs = (n: number) => n >= 1e12 && n < 1e13;

/**
 * An attribute's value in human units where its key says what it is (OpenTelemetry's
 * `faas.max_memory` is bytes; `*.size` and `*_bytes` are bytes; `*_timestamp_ms` and epoch
 * values under `*_ms` are dates; other `*_ms` are durations; `*cost_usd` is money); undefined
 * when the value is best read as sent.
 */
export function humanValue(key: string, value: string): string | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  const n = Number(value);
  const k = key.toLowerCase();
  if (k === 'faas.max_memory' || /(\.|_)(size|bytes)$/.test(k) || k.endsWith('.body.size')) return bytes(n);
  if (/(timestamp|time)(_ms)?$/.test(k) && isEpochMs(n)) return dateTime(n);
  if (/(_|\.)ms$/.test(k)) return isEpochMs(n) ? dateTime(n) : ms(n);
  if (/cost_usd$/.test(k)) return cost(n);
  return undefined;
}

const PLATFORMS: Record<string, string> = {
  aws_lambda: 'AWS Lambda',
  gcp_cloud_functions: 'Cloud Run functions',
  gcp_cloud_run: 'Cloud Run',
  'cloudflare.workers': 'Cloudflare Workers',
  azure_functions: 'Azure Functions',
};

/**
 * The platform an invocation ran on, in words, from its resource's `cloud.platform` (as the
 * SDK's adapters set it) or else `cloud.provider`; empty when neither was sent.
 */
export function platformName(resource: Record<string, string>): string {
  const platform = resource['cloud.platform'];
  return (platform && PLATFORMS[platform]) || platform || resource['cloud.provider'] || '';
}

export const percent = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : `${n.toFixed(1)}%`);

export const shortId = (id: string) => id.slice(0, 8);

/** `1 span`, `2 spans`, `1,234 spans`. */
export const plural = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
