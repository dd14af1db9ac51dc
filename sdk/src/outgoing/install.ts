import { report } from '../core/diagnostics.js';
import { ERROR_CODES } from '../core/errors.js';
import type { Sdk } from '../core/setup.js';
import { patchLoadedClients } from './aws/auto.js';
import { instrumentFetch } from './fetch.js';
import { instrumentNodeHttp } from './node-http.js';

/** Whether a request (origin `scheme://host[:port]` and path) goes to the collector's export endpoints. */
export type IsExportUrl = (origin: string, path: string) => boolean;

/**
 * Turns on outgoing instrumentation for Node.js platforms, once per process: `fetch`,
 * `node:http`/`node:https`, and the AWS SDK v3 clients the module loader has loaded.
 * Calls to the collector's own export endpoints are never traced.
 */
export function installNodeOutgoing(sdk: Sdk): (() => void) | undefined {
  if (!sdk.config.traceOutgoing) return undefined;
  const exportUrls = new Set<string>();
  for (const endpoint of [sdk.config.tracesEndpoint, sdk.config.logsEndpoint]) {
    try {
      const u = new URL(endpoint);
      exportUrls.add(`${u.protocol}//${u.host}${u.pathname}`);
    } catch {
      // an invalid endpoint is reported by the exporter; nothing to exclude
    }
  }
  const isExportUrl: IsExportUrl = (origin, path) => {
    const q = path.indexOf('?');
    return exportUrls.has(origin + (q < 0 ? path : path.slice(0, q)));
  };
  try {
    instrumentFetch(isExportUrl, sdk.isSecret);
    instrumentNodeHttp(isExportUrl, sdk.isSecret);
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `outgoing instrumentation could not start: ${(err as Error)?.message ?? String(err)}`);
  }
  // AWS SDK clients are looked for when the first invocation starts: by then the handler
  // module's imports have all run, and calls made before it (at init) are not traced anyway
  return patchLoadedClients;
}
