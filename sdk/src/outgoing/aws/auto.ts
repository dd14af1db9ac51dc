import { createRequire } from 'node:module';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { instrument } from './middleware.js';

/**
 * Finds every copy of the AWS SDK v3's client base class (smithy's `Client`) that Node's
 * module loader has loaded — the SDK in Lambda's runtime, or in `node_modules`, whether the
 * handler imports it as ESM or requires it — and makes each client add fntrace's middleware
 * on its first `send`. No require-hook: it reads the loader's cache when asked.
 *
 * A copy bundled into the function's own file is not in that cache; its requests are still
 * traced as HTTP calls, and a diagnostic asks for `instrument(client)` (see middleware.ts).
 */
const PATCHED = Symbol.for('fntrace.aws-sdk.send');
let seenModules = -1;

type ClientClass = (new (
  ...args: never[]
) => unknown) & {
  prototype: { send?: (...args: unknown[]) => unknown; [PATCHED]?: true };
};

function moduleCache(): Record<string, { exports?: unknown } | undefined> {
  return createRequire(`${process.cwd()}/`).cache as Record<string, { exports?: unknown } | undefined>;
}

/** Patch the smithy clients loaded since the last look; returns how many were new. */
export function patchLoadedClients(): number {
  let patched = 0;
  try {
    const cache = moduleCache();
    const ids = Object.keys(cache);
    if (ids.length === seenModules) return 0;
    seenModules = ids.length;
    for (const id of ids) {
      if (!id.includes('smithy')) continue;
      const Client = (cache[id]?.exports as { Client?: ClientClass } | undefined)?.Client;
      const proto = typeof Client === 'function' ? Client.prototype : undefined;
      if (!proto || typeof proto.send !== 'function' || Object.hasOwn(proto, PATCHED)) continue;
      const send = proto.send;
      proto.send = function send_(this: unknown, ...args: unknown[]) {
        instrument(this);
        return send.apply(this, args);
      };
      Object.defineProperty(proto, PATCHED, { value: true });
      patched++;
    }
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `looking for AWS SDK clients failed: ${(err as Error)?.message ?? String(err)}`);
  }
  return patched;
}

/**
 * An AWS SDK request went out without the middleware: look again (its SDK may have been
 * loaded late), and if it was not a late load, say once what to do.
 */
export function onUninstrumentedAwsRequest(target: string): void {
  if (patchLoadedClients() > 0) return;
  report(
    ERROR_CODES.CLIENT_NOT_INSTRUMENTED,
    `an AWS SDK client sent ${target} without fntrace's middleware (its SDK is bundled into the function, where fntrace cannot find it): the call is traced as HTTP but its messages carry no trace context; pass the client to instrument(client)`,
  );
}
