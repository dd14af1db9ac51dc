import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CollectorOptions, durationMs } from '../config/options.js';
import {
  badOtlp,
  bodyTooLarge,
  CollectorError,
  decompressedTooLarge,
  ingestFailed,
  isError,
  overloaded,
  shuttingDown,
  unauthorized,
  unsupportedEncoding,
  unsupportedMediaType,
  unsupportedSignal,
} from '../errors.js';
import { BEARER_CHALLENGE, bearerCheck } from '../http/auth.js';
import type { Metrics } from '../http/metrics.js';
import type { Signal, Spool } from '../spool/spool.js';
import { itemRules, type TimeWindow } from './item-rules.js';
import { decodeLogsJson, decodeTracesJson } from './otlp-json.js';
import { fromRows, logsProtoToLines, type SpoolLines, tracesProtoToLines } from './proto-lines.js';
import { encodeLogsResponse, encodeStatus, encodeTraceResponse } from './proto-response.js';
import type { RefusalReason } from './refusals.js';
import { type Answer, RecentRequests } from './retries.js';

/**
 * The OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp):
 * `POST /v1/traces` and `POST /v1/logs`, protobuf or JSON, optionally gzip-compressed.
 * A request is answered 200 only once its valid items are durable in the spool; items the
 * store could not keep (bad ids, times it cannot hold or retention would drop: see
 * item-rules.ts) are refused one by one in `partial_success`, naming the rule, and the rest
 * kept. Errors answer in the
 * request's encoding with a `google.rpc.Status` body and, when retrying later can help,
 * `Retry-After`.
 */
const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

// OTLP/HTTP puts a google.rpc.Status in error bodies; its codes are gRPC's
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 404: 12, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

const SEND_INGEST_TOKEN =
  'send the header Authorization: Bearer <token> (OpenTelemetry SDKs and fntrace: OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<token>)';

type Kind = 'protobuf' | 'json';

function kindOf(req: FastifyRequest): Kind {
  return String(req.headers['content-type'] ?? '').startsWith(PROTOBUF) ? 'protobuf' : 'json';
}

async function decompress(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const e = (encoding ?? 'identity').trim().toLowerCase();
  if (e === 'identity' || e === '') return body;
  if (e !== 'gzip' && e !== 'deflate') throw unsupportedEncoding(e);
  try {
    // maxOutputLength stops a gzip bomb before it is inflated in memory
    return await (e === 'gzip' ? gunzipAsync : inflateAsync)(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw decompressedTooLarge(limit);
    throw badOtlp(`request body is not valid ${e}: ${(err as Error).message}`, err);
  }
}

function sendError(reply: FastifyReply, kind: Kind, err: CollectorError): FastifyReply {
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  if (err.statusCode === 401) reply.header('www-authenticate', BEARER_CHALLENGE);
  reply.code(err.statusCode);
  const code = GRPC_CODE[err.statusCode] ?? 2;
  if (kind === 'protobuf') return reply.type(PROTOBUF).send(Buffer.from(encodeStatus(code, err.message)));
  return reply.type(JSON_TYPE).send({ code, message: err.message, details: [{ fntrace_code: err.code }] });
}

export interface ReceiverDeps {
  options: CollectorOptions;
  spool: Spool;
  metrics: Metrics;
  /** Set while the server shuts down: new requests get 503. */
  isClosing(): boolean;
}

export async function receiverPlugin(app: FastifyInstance, deps: ReceiverDeps): Promise<void> {
  const { options, spool, metrics } = deps;
  const refused = (signal: Signal, reason: RefusalReason, n = 1) => metrics.refused.inc({ signal, reason }, n);
  let inflight = 0;
  const recent = new RecentRequests(options.retryWindowMs);
  const rules = itemRules({
    retentionDays: options.retentionDays,
    maxFutureSkew: options.maxFutureSkew,
    maxFutureSkewMs: durationMs(options.maxFutureSkew),
  });

  // Bodies stay raw bytes until they are decompressed and decoded here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    [PROTOBUF, JSON_TYPE],
    { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
    (_req, body, done) => done(null, body),
  );

  // Refused before the body is read: without an accepted token (--ingest-token), and metrics.
  const authorized = bearerCheck(options.ingestToken);
  app.addHook('onRequest', async (req) => {
    const result = authorized?.(req.headers.authorization) ?? 'ok';
    if (result !== 'ok') throw unauthorized('ingest', result, SEND_INGEST_TOKEN);
    // An SDK exporting every signal to this endpoint sends metrics too: say plainly that they
    // are not kept (rather than a bare 404, or a 200 that would drop them silently).
    if (req.routeOptions.url === '/v1/metrics') throw unsupportedSignal();
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, req, reply) => {
    const kind = kindOf(req);
    let err: CollectorError;
    if (error instanceof CollectorError) err = error;
    else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') err = unsupportedMediaType(req.headers['content-type']);
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') err = bodyTooLarge(options.bodyLimitBytes);
    // the rest of fastify's client errors (an empty JSON body, a wrong content-length, …)
    else if (error.statusCode && error.statusCode < 500) err = badOtlp(error.message, error);
    else {
      req.log.error({ err: error }, 'ingest failed');
      err = ingestFailed();
    }
    const signal = req.url.startsWith('/v1/logs') ? 'logs' : req.url.startsWith('/v1/metrics') ? 'metrics' : 'traces';
    metrics.requests.inc({ signal, status: String(err.statusCode) });
    return sendError(reply, kind, err);
  });

  const handle = (signal: Signal) => async (req: FastifyRequest, reply: FastifyReply) => {
    const kind = kindOf(req);
    if (deps.isClosing()) throw shuttingDown();
    if (inflight >= options.maxInflightRequests) {
      refused(signal, 'overloaded');
      throw overloaded(options.maxInflightRequests);
    }
    inflight++;
    try {
      if (!Buffer.isBuffer(req.body)) throw unsupportedMediaType(req.headers['content-type']);
      let body: Buffer;
      try {
        body = await decompress(
          req.body,
          req.headers['content-encoding'] as string | undefined,
          options.maxDecompressedBytes,
        );
      } catch (err) {
        refused(signal, (err as CollectorError).statusCode === 413 ? 'too_large' : 'undecodable');
        throw err;
      }
      // a retry of a request already stored gets the same answer, and nothing is stored twice
      const { answer, repeat } = await recent.once(RecentRequests.keyOf(signal, body), () => store(signal, kind, body));
      if (repeat) metrics.repeats.inc({ signal });
      metrics.requests.inc({ signal, status: '200' });
      const { rejected, message } = answer;
      if (kind === 'protobuf') {
        const encode = signal === 'traces' ? encodeTraceResponse : encodeLogsResponse;
        return reply.type(PROTOBUF).send(Buffer.from(encode(rejected, message)));
      }
      if (rejected === 0 && message === '') return reply.type(JSON_TYPE).send({});
      const field = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
      // int64 fields are decimal strings in OTLP/JSON; with none refused the message is a warning
      const partialSuccess =
        rejected === 0 ? { errorMessage: message } : { [field]: String(rejected), errorMessage: message };
      return reply.type(JSON_TYPE).send({ partialSuccess });
    } finally {
      inflight--;
    }
  };

  /** Decode a request's body and append its valid items to the spool; resolves once they are durable. */
  async function store(signal: Signal, kind: Kind, body: Buffer): Promise<Answer> {
    let decoded: SpoolLines;
    try {
      // the request's time window: retention and future skew counted from its arrival
      decoded = toSpoolLines(signal, kind, body, rules.at(Date.now()));
    } catch (err) {
      refused(signal, 'undecodable');
      if (isError(err, 'BAD_OTLP') || err instanceof SyntaxError)
        throw badOtlp(`could not decode the OTLP ${kind} body: ${(err as Error).message}`, err);
      throw err;
    }
    metrics.decodePaths.inc({ signal, path: decoded.path });
    metrics.received.inc({ signal }, decoded.rows + decoded.rejected);
    for (const [refusal, n] of decoded.refused) refused(signal, refusal.reason, n);
    for (const [correction, n] of decoded.corrected)
      metrics.corrected.inc({ signal, correction: correction.reason }, n);
    if (decoded.rows > 0) {
      try {
        await spool.append(signal, decoded.text);
      } catch (err) {
        const reason = isError(err, 'SPOOL_FULL') ? 'spool_full' : 'spool_error';
        refused(signal, reason, decoded.rows);
        throw err;
      }
      metrics.accepted.inc({ signal }, decoded.rows);
    }
    return { rejected: decoded.rejected, message: decoded.errors.join('; ') };
  }

  app.post('/v1/traces', handle('traces'));
  app.post('/v1/logs', handle('logs'));
  // answered by the onRequest hook above
  app.post('/v1/metrics', async () => undefined);
}

/**
 * A body's valid items as spool text. Protobuf, what the SDKs send by default, is written from
 * the wire format directly (proto-lines.ts); OTLP/JSON is decoded to rows first.
 */
function toSpoolLines(signal: Signal, kind: Kind, body: Buffer, window: TimeWindow): SpoolLines {
  if (kind === 'protobuf')
    return signal === 'traces' ? tracesProtoToLines(body, window) : logsProtoToLines(body, window);
  return fromRows(
    signal === 'traces' ? decodeTracesJson(parseJson(body), window) : decodeLogsJson(parseJson(body), window),
  );
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new SyntaxError('empty body');
  return JSON.parse(body.toString('utf8'));
}
