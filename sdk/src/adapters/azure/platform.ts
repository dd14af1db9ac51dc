import { AsyncLocalStorage } from 'node:async_hooks';
import type { Env } from '../../core/env.js';
import type { Platform } from '../../core/setup.js';
import { nowMs } from '../../core/time.js';
import { flushOnSigterm } from '../../export/shutdown-node.js';
import { nodeTransport } from '../../export/transport-node.js';
import { installNodeOutgoing } from '../../outgoing/install.js';
import { azureLogFields, forwardToContextLog } from './logs.js';

/**
 * When the app's code began loading: the start of a cold start's init. Not the process's start:
 * on the Consumption and Flex plans the host starts Node.js workers ahead of traffic, as
 * placeholders, and a worker loads the app it is given only when specialized, so its process
 * may have waited minutes before. Import `@fntrace/sdk/azure` first so this is early.
 */
export const APP_LOAD_START_MS = nowMs();

/** `REGION_NAME` is a display name (`West Europe`); OpenTelemetry's `cloud.region` is the name (`westeurope`). */
const regionName = (display: string): string => display.toLowerCase().replace(/\s+/g, '');

/** The subscription from `WEBSITE_OWNER_NAME`: `<subscription>+<resource group>-<region>webspace[-Linux]`. */
export function subscriptionOf(env: Env): string | undefined {
  const owner = env.WEBSITE_OWNER_NAME;
  const plus = owner?.indexOf('+') ?? -1;
  return plus > 0 ? owner!.slice(0, plus) : undefined;
}

/**
 * Azure Functions on Node.js (the v4 programming model): resource attributes from the variables
 * the host sets in the worker's environment. `faas.name` is per span, not here: one function
 * app, and so one worker process, serves all of the app's functions.
 */
export const azurePlatform: Platform = {
  Als: AsyncLocalStorage,
  transport: nodeTransport,
  // fetch, node:http/https (and AWS SDK clients, should an Azure function call AWS)
  instrument: installNodeOutgoing,
  // the host stops a worker it scales in or recycles; every invocation has flushed already,
  // this sends what a timed-out invocation left
  onShutdown: flushOnSigterm,
  logFields: azureLogFields,
  onLogLine: forwardToContextLog,
  resourceAttributes(env: Env) {
    const attrs: Record<string, string | number> = { 'cloud.provider': 'azure', 'cloud.platform': 'azure_functions' };
    if (env.REGION_NAME) attrs['cloud.region'] = regionName(env.REGION_NAME);
    const subscription = subscriptionOf(env);
    if (subscription) attrs['cloud.account.id'] = subscription;
    if (env.WEBSITE_INSTANCE_ID) attrs['faas.instance'] = env.WEBSITE_INSTANCE_ID;
    const mb = Number(env.WEBSITE_MEMORY_LIMIT_MB);
    if (Number.isFinite(mb) && mb > 0) attrs['faas.max_memory'] = mb * 1024 * 1024;
    if (env.WEBSITE_SITE_NAME) attrs['fntrace.azure.function_app'] = env.WEBSITE_SITE_NAME;
    // `~4`: the Functions runtime, not the function's version (which Azure does not have)
    if (env.FUNCTIONS_EXTENSION_VERSION) attrs['fntrace.azure.functions_version'] = env.FUNCTIONS_EXTENSION_VERSION;
    // the plan: Dynamic (Consumption), FlexConsumption, ElasticPremium, or a Dedicated tier
    if (env.WEBSITE_SKU) attrs['fntrace.azure.sku'] = env.WEBSITE_SKU;
    return attrs;
  },
};
