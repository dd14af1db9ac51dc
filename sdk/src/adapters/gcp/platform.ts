import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import type { Env } from '../../core/env.js';
import type { Platform, Sdk } from '../../core/setup.js';
import { nodeTransport } from '../../export/transport-node.js';
import { patchLoadedPubSub } from '../../outgoing/gcp/auto.js';
import { installNodeOutgoing } from '../../outgoing/install.js';
import { cloudLoggingFields } from './cloud-logging.js';
import { factsFromEnv } from './metadata.js';
import { flushBeforeExit } from './shutdown.js';

/** Node's `process.arch` as OpenTelemetry's `host.arch` values. */
const HOST_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm32', ia32: 'x86' };
const MIB = 1024 * 1024;

/**
 * The memory limit, in bytes: `FUNCTION_MEMORY_MB` (older Cloud Functions runtimes), else the
 * container's cgroup limit on Google Cloud (Cloud Run sets no variable for it).
 */
function memoryLimit(env: Env): number | undefined {
  const mb = Number(env.FUNCTION_MEMORY_MB);
  if (Number.isFinite(mb) && mb > 0) return mb * MIB;
  if (!env.K_SERVICE) return undefined;
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const bytes = Number(readFileSync(file, 'utf8').trim());
      // "max", or cgroup v1's "unlimited" (a number near 2^63), say nothing
      if (Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 50) return bytes;
    } catch {
      // not there: say nothing
    }
  }
  return undefined;
}

/**
 * Google Cloud Run functions (and Cloud Functions) under `@google-cloud/functions-framework`:
 * resource attributes from the platform's environment variables, Cloud Logging's fields on
 * every log line, the Node outgoing instrumentation plus `@google-cloud/pubsub` publishes.
 */
export const gcpPlatform: Platform = {
  Als: AsyncLocalStorage,
  transport: nodeTransport,
  instrument(sdk: Sdk) {
    const aws = installNodeOutgoing(sdk);
    if (!sdk.config.traceOutgoing) return undefined;
    return () => {
      aws?.();
      patchLoadedPubSub();
    };
  },
  // Cloud Run sends SIGTERM before it shuts an instance down (SIGKILL follows 10 s later)
  onShutdown: flushBeforeExit,
  logFields: cloudLoggingFields,
  resourceAttributes(env: Env) {
    const { project, region } = factsFromEnv(env);
    const attrs: Record<string, string | number> = {
      'cloud.provider': 'gcp',
      // a function (the functions framework runs it, and says so in FUNCTION_TARGET on Google
      // Cloud), else a Cloud Run service that serves one through the framework
      'cloud.platform': env.FUNCTION_TARGET ? 'gcp_cloud_functions' : 'gcp_cloud_run',
    };
    const name = env.K_SERVICE || env.FUNCTION_NAME || env.FUNCTION_TARGET;
    if (name) attrs['faas.name'] = name;
    const version = env.K_REVISION || env.X_GOOGLE_FUNCTION_VERSION;
    if (version) attrs['faas.version'] = version;
    if (region) attrs['cloud.region'] = region;
    if (project) attrs['cloud.account.id'] = project;
    const memory = memoryLimit(env);
    if (memory !== undefined) attrs['faas.max_memory'] = memory;
    if (env.K_CONFIGURATION) attrs['fntrace.gcp.configuration'] = env.K_CONFIGURATION;
    if (env.FUNCTION_TARGET) attrs['fntrace.gcp.function_target'] = env.FUNCTION_TARGET;
    if (env.FUNCTION_SIGNATURE_TYPE) attrs['fntrace.gcp.signature_type'] = env.FUNCTION_SIGNATURE_TYPE;
    attrs['host.arch'] = HOST_ARCH[process.arch] ?? process.arch;
    return attrs;
  },
};
