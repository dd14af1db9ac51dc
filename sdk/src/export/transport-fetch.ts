import { classifyStatus, type SendResult, type Transport } from './transport.js';

/** OTLP/HTTP through the global `fetch`, for fetch-style runtimes (Workers, Deno, Bun, Vercel Edge). */
export const fetchTransport: Transport = {
  async send(url, body, headers, timeoutMs): Promise<SendResult> {
    if (timeoutMs <= 0) return { ok: false, retryable: true, reason: 'no time left to export' };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    (timer as { unref?: () => void }).unref?.();
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { ...headers, 'content-type': 'application/json' },
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      return classifyStatus(res.status);
    } catch (err) {
      const aborted = controller.signal.aborted;
      return {
        ok: false,
        retryable: true,
        reason: aborted ? `timed out after ${timeoutMs} ms` : String((err as Error)?.name ?? 'network error'),
      };
    } finally {
      clearTimeout(timer);
    }
  },
};
