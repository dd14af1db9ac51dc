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

export const percent = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : `${n.toFixed(1)}%`);

export const shortId = (id: string) => id.slice(0, 8);

/** `1 span`, `2 spans`, `1,234 spans`. */
export const plural = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
