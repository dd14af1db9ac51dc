import * as http from 'node:http';
import type * as httpsType from 'node:https';
import { classifyStatus, type SendResult, type Transport } from './transport.js';

/**
 * OTLP/HTTP over Node's own `http` module with a keep-alive agent, so a warm function's
 * flush reuses one connection (~1 ms on loopback). `node:http` is already loaded by the
 * Lambda runtime client, so importing it costs nothing at cold start; `node:https` (TLS)
 * is loaded only the first time an https endpoint is used.
 */
const agents = new Map<string, http.Agent>();

// errors raised before a connection exists: the collector cannot have seen the request
const BEFORE_CONNECT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
let https: typeof httpsType | undefined;

async function agentFor(url: URL): Promise<{ mod: typeof http | typeof httpsType; agent: http.Agent }> {
  const secure = url.protocol === 'https:';
  if (secure && !https) https = await import('node:https');
  const mod = secure ? https! : http;
  let agent = agents.get(url.protocol);
  if (!agent) {
    agent = new mod.Agent({ keepAlive: true, maxSockets: 8 });
    agents.set(url.protocol, agent);
  }
  return { mod, agent };
}

export const nodeTransport: Transport = {
  async send(target, body, headers, timeoutMs): Promise<SendResult> {
    if (timeoutMs <= 0) return { ok: false, retryable: true, notSent: true, reason: 'no time left to export' };
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { ok: false, retryable: false, reason: 'invalid endpoint URL' };
    }
    const { mod, agent } = await agentFor(url);
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      // whether a connection to the collector existed (a kept-alive socket counts): only then
      // can the request have reached it
      let connected = false;
      const done = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = mod.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume(); // drain so the socket returns to the keep-alive pool
          res.on('end', () => done(classifyStatus(res.statusCode ?? 0)));
          res.on('error', () => done({ ok: false, retryable: true, reason: 'response error' }));
        },
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else
          socket.once('connect', () => {
            connected = true;
          });
      });
      const timer = setTimeout(() => {
        req.destroy();
        done({ ok: false, retryable: true, notSent: !connected, reason: `timed out after ${timeoutMs} ms` });
      }, timeoutMs);
      timer.unref?.();
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? 'network error';
        done({ ok: false, retryable: true, notSent: !connected && BEFORE_CONNECT.has(code), reason: code });
      });
      req.end(body);
    });
  },
};
