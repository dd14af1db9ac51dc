import { AsyncLocalStorage } from 'node:async_hooks';
import type { Env } from '../../core/env.js';
import type { Platform } from '../../core/setup.js';
import { flushOnSigterm } from '../../export/shutdown-node.js';
import { nodeTransport } from '../../export/transport-node.js';
import { installNodeOutgoing } from '../../outgoing/install.js';
import { lambdaEnvironmentMemory } from './environment-file.js';

/** Node's `process.arch` as OpenTelemetry's `host.arch` values. */
const HOST_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm32', ia32: 'x86' };

/** AWS Lambda on Node.js: resource attributes from the runtime's reserved environment variables. */
export const lambdaPlatform: Platform = {
  Als: AsyncLocalStorage,
  transport: nodeTransport,
  instrument: installNodeOutgoing,
  // Lambda sends SIGTERM before ending an environment when an extension is registered
  onShutdown: flushOnSigterm,
  // a reset environment (timeout, crash) keeps /tmp: its numbering goes on across the new process
  environmentMemory: lambdaEnvironmentMemory,
  resourceAttributes(env: Env) {
    const attrs: Record<string, string | number> = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda' };
    if (env.AWS_REGION) attrs['cloud.region'] = env.AWS_REGION;
    if (env.AWS_LAMBDA_FUNCTION_NAME) attrs['faas.name'] = env.AWS_LAMBDA_FUNCTION_NAME;
    if (env.AWS_LAMBDA_FUNCTION_VERSION) attrs['faas.version'] = env.AWS_LAMBDA_FUNCTION_VERSION;
    if (env.AWS_LAMBDA_LOG_STREAM_NAME) attrs['faas.instance'] = env.AWS_LAMBDA_LOG_STREAM_NAME;
    const mb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
    if (Number.isFinite(mb) && mb > 0) attrs['faas.max_memory'] = mb * 1024 * 1024;
    if (env.AWS_EXECUTION_ENV) attrs['process.runtime.description'] = env.AWS_EXECUTION_ENV;
    // Lambda prices Arm (Graviton) below x86: the collector's cost estimate reads host.arch
    attrs['host.arch'] = HOST_ARCH[process.arch] ?? process.arch;
    return attrs;
  },
};
