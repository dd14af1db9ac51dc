import { createRequire } from 'node:module';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { instrumentTopicPrototype } from './pubsub.js';

/**
 * Finds every copy of `@google-cloud/pubsub` that Node's module loader has loaded — required,
 * or imported from an ES module (the package is CommonJS, so it is in the loader's cache
 * either way) — and wraps its `Topic.prototype.publishMessage`. No require-hook: it reads the
 * loader's cache when asked (when the first invocation starts, once the function's own imports
 * have run). A copy bundled into the function's file is not in that cache: hand its client to
 * `instrument()`.
 */
let seenModules = -1;

export function patchLoadedPubSub(): number {
  let patched = 0;
  try {
    const cache = createRequire(`${process.cwd()}/`).cache as Record<string, { exports?: unknown } | undefined>;
    const ids = Object.keys(cache);
    if (ids.length === seenModules) return 0;
    seenModules = ids.length;
    for (const id of ids) {
      if (!id.includes('pubsub')) continue;
      const Topic = (cache[id]?.exports as { Topic?: unknown } | undefined)?.Topic;
      if (typeof Topic === 'function' && instrumentTopicPrototype(Topic.prototype)) patched++;
    }
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `looking for @google-cloud/pubsub failed: ${(err as Error)?.message ?? String(err)}`);
  }
  return patched;
}
