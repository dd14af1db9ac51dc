import { type Context, context, propagation, trace } from '@opentelemetry/api';
import { Exporter } from '../export/exporter.js';
import { resourceJson } from '../export/otlp-json.js';
import type { Transport } from '../export/transport.js';
import { W3CPropagator } from '../propagation/propagator.js';
import { resolveConfig, type SdkConfig } from './config.js';
import { AlsContextManager, type AlsLike } from './context-manager.js';
import { report, reportCounts } from './diagnostics.js';
import { bindEnv, type Env, processEnv } from './env.js';
import { type EnvironmentMemory, useEnvironmentMemory } from './environment.js';
import { ERROR_CODES } from './errors.js';
import { type KeyMatcher, makeKeyMatcher } from './redaction.js';
import { makeSampler } from './sampler.js';
import { SdkTracerProvider } from './tracer.js';
import { VERSION } from './version.js';

/**
 * The one file that wires the SDK: config, resource, tracer provider, context manager,
 * propagator and exporter. Built once per process, the first time a handler is wrapped
 * or the logger writes; platform adapters say which AsyncLocalStorage and transport to use.
 */
export interface Platform {
  /** `cloud.provider`, `cloud.platform`, `faas.*` and other resource attributes of this runtime. */
  resourceAttributes(env: Env): Record<string, string | number>;
  Als: new () => AlsLike<Context>;
  transport: Transport;
  /**
   * Turns on this runtime's outgoing instrumentation (HTTP clients, SDK clients), once the
   * SDK is set up. May return what to do when the first invocation starts (by then the
   * handler module's own imports have all run).
   */
  instrument?(sdk: Sdk): (() => void) | undefined;
  /**
   * Runs `shutdown` (which flushes what is held, within `budgetMs`, and never rejects) when
   * this runtime is told to end — SIGTERM on Node — then lets the process end as it would
   * have without fntrace.
   */
  onShutdown?(shutdown: () => Promise<void>, budgetMs: number): void;
  /**
   * Extra fields for every log line written inside an invocation, for the platform's own log
   * viewer to correlate it (Cloud Logging's `logging.googleapis.com/trace`, say). `level` is
   * pino's level number.
   */
  logFields?(line: LogLineIds): Record<string, unknown>;
  /**
   * Called with each log line once it is written (JSON text, newline included), in the context
   * it was logged in: for a platform whose log viewer ties lines to an invocation only when they
   * go through its own API (Azure Functions' `context.log`). Must not throw.
   */
  onLogLine?(line: string): void;
  /**
   * Where this runtime's execution environment keeps its invocation numbering across a restart
   * of its process (see environment.ts); none: each process numbers afresh.
   */
  environmentMemory?(env: Env): EnvironmentMemory | undefined;
}

/** What a log line knows of where it was written: the active span's ids, and its level. */
export interface LogLineIds {
  traceId?: string;
  spanId?: string;
  sampled?: boolean;
  level: number;
}

export interface Sdk {
  readonly config: SdkConfig;
  readonly provider: SdkTracerProvider;
  readonly tracer: ReturnType<SdkTracerProvider['getTracer']>;
  readonly contextManager: AlsContextManager;
  readonly exporter: Exporter;
  /** Resource attributes of every span and log record. */
  readonly resource: Readonly<Record<string, string | number>>;
  readonly isSecret: KeyMatcher;
  /** The platform's extra log line fields ({@link Platform.logFields}). */
  readonly logFields: Platform['logFields'];
  /** The platform's log line hook ({@link Platform.onLogLine}). */
  readonly onLogLine: Platform['onLogLine'];
}

// Kept on globalThis so the ESM and CJS builds, if both get loaded, share one SDK
// (the "dual package hazard"), as @opentelemetry/api does for its globals.
const GLOBAL = Symbol.for('fntrace.sdk');
type Holder = { sdk?: Sdk; config?: SdkConfig; atFirstInvocation?: (() => void) | undefined };
const globals = globalThis as Record<symbol, Holder | undefined>;
if (!globals[GLOBAL]) globals[GLOBAL] = {};
const holder: Holder = globals[GLOBAL];

/** Settings from the environment, resolved once. */
export function sdkConfig(): SdkConfig {
  holder.config ??= resolveConfig(processEnv());
  return holder.config;
}

/**
 * Runtimes without a process environment (Cloudflare Workers) hand their variables to each
 * call: read the configuration from `env` instead. Only before the SDK is set up; a
 * configuration resolved earlier (a line logged at init) is resolved again from `env`.
 */
export function configureEnv(env: Record<string, unknown>): void {
  if (holder.sdk) return;
  bindEnv(env);
  holder.config = undefined;
}

/** The SDK of this process, if a platform has set it up. */
export function currentSdk(): Sdk | undefined {
  return holder.sdk;
}

/** Called by the lifecycle when this environment's first invocation starts. */
export function firstInvocationStarted(): void {
  const hook = holder.atFirstInvocation;
  holder.atFirstInvocation = undefined;
  hook?.();
}

export function initSdk(platform: Platform): Sdk {
  if (holder.sdk) return holder.sdk;
  const cfg = sdkConfig();
  const env = processEnv();
  const isSecret = makeKeyMatcher(cfg.redactKeys);
  const resourceAttrs: Record<string, string | number> = {
    ...platform.resourceAttributes(env),
    ...cfg.resourceAttributes,
    'service.name': cfg.serviceName,
    'telemetry.sdk.name': 'fntrace',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': VERSION,
  };
  const exporter = new Exporter({
    tracesUrl: cfg.tracesEndpoint,
    logsUrl: cfg.logsEndpoint,
    headers: cfg.headers,
    resource: resourceJson(resourceAttrs),
    maxQueueSize: cfg.maxQueueSize,
    exportLogs: cfg.exportLogs,
    enabled: !cfg.disabled,
    transport: platform.transport,
  });
  const sample = makeSampler(cfg.sampler, cfg.samplerArg);
  const provider = new SdkTracerProvider({ sample, isSecret, onEnd: (span) => exporter.enqueueSpan(span) });
  const contextManager = new AlsContextManager(platform.Als);
  // Register globally so user code and instrumentations (`trace.getTracer`, `context.active`,
  // `propagation.inject`) see fntrace. If another SDK got there first, fntrace keeps working
  // with its own instances and says so once.
  const registered = [
    context.setGlobalContextManager(contextManager),
    trace.setGlobalTracerProvider(provider),
    propagation.setGlobalPropagator(new W3CPropagator()),
  ];
  if (registered.includes(false)) {
    report(
      ERROR_CODES.GLOBAL_REGISTERED,
      'another OpenTelemetry SDK is registered globally; fntrace uses its own tracer',
    );
  }
  const sdk: Sdk = Object.freeze({
    config: cfg,
    provider,
    tracer: provider.getTracer('@fntrace/sdk', VERSION),
    contextManager,
    exporter,
    resource: Object.freeze(resourceAttrs),
    isSecret,
    logFields: platform.logFields,
    onLogLine: platform.onLogLine,
  });
  holder.sdk = sdk;
  useEnvironmentMemory(platform.environmentMemory?.(env));
  holder.atFirstInvocation = platform.instrument?.(sdk);
  const budgetMs = cfg.shutdownFlushTimeoutMs;
  if (!cfg.disabled && budgetMs > 0) {
    platform.onShutdown?.(() => exporter.shutdown(budgetMs).then(reportCounts, () => undefined), budgetMs);
  }
  return sdk;
}
