import type { SdkConfig } from '../core/config.js';
import { type KeyMatcher, makeKeyMatcher, redactDeep } from '../core/redaction.js';
import { sdkConfig } from '../core/setup.js';
import { captureLine, LEVEL_NUMBERS, type LevelName, lineFields } from './line.js';

/**
 * The `logger` of the workers-safe entries (`@fntrace/sdk/cloudflare`, `@fntrace/sdk/fetch`):
 * pino's calling conventions and line format without pino, which needs Node's built-ins.
 * A line is the JSON object pino would write — `level`, `time`, `service`, the fields of
 * line.ts, the user's fields (secrets redacted), `msg` — written with one console call
 * (workerd turns console calls into its logs; `console.error` for `error`/`fatal`, `warn` for
 * `warn`, so the platform's log level matches), or to `process.stdout` where there is one
 * (Node, Bun, Deno), and queued for OTLP export like pino's.
 *
 * Settings are read when a line is written, not when the module loads: on Workers the
 * configuration arrives with the first request's `env`.
 */
export interface LogFn {
  (obj: unknown, msg?: string, ...args: unknown[]): void;
  (msg: string, ...args: unknown[]): void;
}

export interface Logger {
  /** `trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`. The default value is `FNTRACE_LOG_LEVEL`, else `info`. */
  level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  isLevelEnabled(level: string): boolean;
  /** A logger whose lines also carry `bindings` (as pino's `child`). */
  child(bindings: Record<string, unknown>): Logger;
}

const SILENT = Number.POSITIVE_INFINITY;
const levelNumber = (name: string): number => LEVEL_NUMBERS[name as LevelName] ?? SILENT;

let matcherFor: { cfg: SdkConfig; isSecret: KeyMatcher } | undefined;
function secretMatcher(cfg: SdkConfig): KeyMatcher {
  if (matcherFor?.cfg !== cfg) matcherFor = { cfg, isSecret: makeKeyMatcher(cfg.redactKeys) };
  return matcherFor.isSecret;
}

/** pino's `err` serializer (pino-std-serializers): type, message, stack and the error's own fields. */
function serializeError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.constructor?.name ?? err.name, message: err.message };
  if (err.stack) out.stack = err.stack;
  for (const key of Object.keys(err)) {
    if (!(key in out)) out[key] = (err as unknown as Record<string, unknown>)[key];
  }
  if (err.cause instanceof Error) out.cause = serializeError(err.cause);
  return out;
}

/** printf-style `%s %d %i %f %j %o %O %%`, as pino formats `msg` with extra arguments. */
function format(msg: string, args: unknown[]): string {
  if (args.length === 0) return msg;
  let i = 0;
  return msg.replace(/%[sdifjoO%]/g, (spec) => {
    if (spec === '%%') return '%';
    if (i >= args.length) return spec;
    const a = args[i++];
    if (spec === '%d' || spec === '%f') return String(Number(a));
    if (spec === '%i') return String(Number.parseInt(String(a), 10));
    if (spec === '%s') return typeof a === 'object' && a !== null ? safeStringify(a) : String(a);
    return safeStringify(a);
  });
}

function safeStringify(value: unknown): string {
  const bigints = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
  try {
    return JSON.stringify(value, bigints) ?? 'null';
  } catch {
    // circular structures, as pino's safe-stable-stringify writes them
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (k, v) => {
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return bigints(k, v);
    });
  }
}

type Sink = (level: LevelName, line: string) => void;

function chooseSink(): Sink {
  const g = globalThis as { navigator?: { userAgent?: string }; process?: { stdout?: { write?: unknown } } };
  const stdout = g.process?.stdout;
  // workerd with nodejs_compat has a `process`, but its console is what reaches Workers Logs
  if (g.navigator?.userAgent !== 'Cloudflare-Workers' && stdout && typeof stdout.write === 'function') {
    const write = stdout.write.bind(stdout) as (s: string) => unknown;
    return (_level, line) => write(`${line}\n`);
  }
  return (level, line) => {
    if (level === 'error' || level === 'fatal') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  };
}

let sink: Sink | undefined;

function write(levelName: LevelName, bindings: Record<string, unknown> | undefined, a: unknown, rest: unknown[]) {
  const cfg = sdkConfig();
  const isSecret = secretMatcher(cfg);
  let obj: Record<string, unknown> | undefined;
  let msg: string | undefined;
  let args = rest;
  if (typeof a === 'string') {
    msg = a;
  } else if (a instanceof Error) {
    obj = { err: serializeError(a) };
    msg = typeof rest[0] === 'string' ? (rest[0] as string) : a.message;
    args = typeof rest[0] === 'string' ? rest.slice(1) : rest;
  } else if (typeof a === 'object' && a !== null) {
    obj = a as Record<string, unknown>;
    if (obj.err instanceof Error) obj = { ...obj, err: serializeError(obj.err) };
    if (typeof rest[0] === 'string') {
      msg = rest[0] as string;
      args = rest.slice(1);
    }
  } else if (a !== undefined) {
    msg = String(a);
  }
  const level = LEVEL_NUMBERS[levelName];
  const line: Record<string, unknown> = { level: levelName, time: Date.now(), service: cfg.serviceName };
  if (bindings) Object.assign(line, redactDeep(bindings, isSecret));
  Object.assign(line, redactDeep(obj ? { ...lineFields(level), ...obj } : lineFields(level), isSecret));
  if (msg !== undefined) line.msg = format(msg, args);
  const text = safeStringify(line);
  sink ??= chooseSink();
  sink(levelName, text);
  try {
    captureLine(text);
  } catch {
    // export capture must never break logging
  }
}

function makeLogger(bindings: Record<string, unknown> | undefined, parent?: Logger): Logger {
  let ownLevel: string | undefined;
  const currentLevel = (): string => ownLevel ?? parent?.level ?? sdkConfig().logLevel;
  const method =
    (name: LevelName): LogFn =>
    (a: unknown, ...rest: unknown[]) => {
      if (LEVEL_NUMBERS[name] < levelNumber(currentLevel())) return;
      try {
        write(name, bindings, a, rest);
      } catch {
        // telemetry never breaks the function
      }
    };
  const logger: Logger = {
    get level() {
      return currentLevel();
    },
    set level(next: string) {
      if (next === 'silent' || next in LEVEL_NUMBERS) ownLevel = next;
    },
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    fatal: method('fatal'),
    isLevelEnabled: (name) => levelNumber(name) >= levelNumber(currentLevel()) && name in LEVEL_NUMBERS,
    child: (more) => makeLogger({ ...bindings, ...more }, logger),
  };
  return logger;
}

/**
 * Structured JSON logger bound to the current invocation, with pino's calling conventions:
 * `logger.info(obj?, msg?, ...args)`, `logger.error(err, msg?)`, `child(bindings)`, `level`.
 *
 * Every line carries `trace_id`, `span_id`, `correlation_id`, `invocation_id`, `cold_start`,
 * `service` and `function`; inside `messages()`/`records()` also `message_id`. Secret keys
 * are redacted at any depth. Level: `FNTRACE_LOG_LEVEL` (default `info`).
 *
 * @example
 * logger.info({ orderId: 42 }, 'order accepted');
 */
export const consoleLogger: Logger = makeLogger(undefined);
