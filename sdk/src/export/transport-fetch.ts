import { classifyStatus, type SendResult, type Transport } from './transport.js';

/**
 * OTLP/HTTP over the runtime's own `fetch`: what Cloudflare Workers, Deno, Bun and Vercel's
 * and Netlify's fetch-style handlers all have (and Node ≥ 18). No `node:` import.
 *
 * `fetch` says less than a socket about how far a request got: it tells "no answer" apart
 * from an answer, not "never connected" from "connected, then lost". Only a send that never
 * started (no time left, an invalid URL) or an error Node names as a failure to connect
 * (`cause.code`) counts as certainly not sent; anything else may have reached the collector,
 * so its body is resent byte for byte (see signal-queue.ts), which the collector stores once.
 *
 * @param getFetch the `fetch` to send with, read at each send: the adapters pass the one they
 * found before instrumenting the global, so exports are never traced.
 */
const BEFORE_CONNECT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export function fetchTransport(getFetch: () => typeof fetch = () => globalThis.fetch): Transport {
  return {
    async send(url, body, headers, timeoutMs): Promise<SendResult> {
      if (timeoutMs <= 0) return { ok: false, retryable: true, notSent: true, reason: 'no time left to export' };
      if (!parses(url)) return { ok: false, retryable: false, reason: 'invalid endpoint URL' };
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      (timer as { unref?: () => void }).unref?.();
      try {
        const res = await getFetch()(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
          signal: abort.signal,
        });
        // read the body so the connection can be reused (and workerd does not warn of an unread body)
        await res.arrayBuffer().catch(() => undefined);
        return classifyStatus(res.status);
      } catch (err) {
        if (abort.signal.aborted) return { ok: false, retryable: true, reason: `timed out after ${timeoutMs} ms` };
        const code = (err as { cause?: { code?: unknown } })?.cause?.code;
        return {
          ok: false,
          retryable: true,
          notSent: typeof code === 'string' && BEFORE_CONNECT.has(code),
          reason: typeof code === 'string' ? code : 'network error',
        };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}
