// A function's instances behind one address on 127.0.0.1, scaled as a serverless platform
// scales them: a request goes to an instance with a free slot; when none has one, a new
// instance starts (a real new process: a cold start), up to `maxInstances`, and past that the
// request waits for a slot. An instance idle for `idleMs` is stopped (reaped), so the next
// burst starts cold again. `launch()` starts one instance: a local Lambda environment, a
// functions-framework server, … — anything with a `url` and a `stop(signal)`.
//
//   const pool = await startInstances({ name: 'orders-api', launch, concurrency: 1, maxInstances: 4 });
//   await fetch(`${pool.url}/orders`);   // proxied to an instance
//   await pool.close();                  // stops every instance
import { createServer } from 'node:http';

/**
 * @param {{
 *   name: string,
 *   launch: () => Promise<{ url: string, stop(signal?: string): Promise<unknown>, exited?: Promise<unknown> }>,
 *   concurrency?: number, maxInstances?: number, idleMs?: number,
 *   onEvent?: (event: { kind: 'start' | 'ready' | 'reap' | 'reset' | 'exit' | 'fail', name: string, instances: number, ms?: number, error?: Error }) => void,
 *   resetWhen?: (response: Response) => boolean,
 * }} options `concurrency`: requests an instance takes at once, default 1 (Lambda);
 *   `maxInstances`: default 4; `idleMs`: default 60 s; `resetWhen(response)`: stop the
 *   instance after this answer (Lambda resets an environment after a timeout).
 */
export async function startInstances(options) {
  const { name, launch, concurrency = 1, maxInstances = 4, idleMs = 60_000, onEvent = () => {} } = options;
  /** @type {Set<{ ready: Promise<any>, it?: any, busy: number, lastUsed: number, gone: boolean }>} */
  const instances = new Set();
  const waiting = [];
  let closed = false;
  let starts = 0;

  const remove = (inst, kind) => {
    if (inst.gone) return;
    inst.gone = true;
    instances.delete(inst);
    onEvent({ kind, name, instances: instances.size });
    if (inst.it) void inst.it.stop(kind === 'reset' ? 'SIGKILL' : 'SIGTERM');
    // a slot may be startable again
    pump();
  };

  function spawnInstance() {
    const inst = { busy: 0, lastUsed: Date.now(), gone: false, it: undefined, ready: undefined };
    const t0 = Date.now();
    starts++;
    onEvent({ kind: 'start', name, instances: instances.size + 1 });
    inst.ready = launch().then(
      (it) => {
        inst.it = it;
        if (closed || inst.gone) {
          void it.stop();
          throw new Error(`${name}: stopped while starting`);
        }
        onEvent({ kind: 'ready', name, instances: instances.size, ms: Date.now() - t0 });
        it.exited?.then(() => remove(inst, 'exit'));
        return it;
      },
      (error) => {
        onEvent({ kind: 'fail', name, instances: instances.size, error });
        remove(inst, 'exit');
        throw error;
      },
    );
    inst.ready.catch(() => {}); // the requests waiting on it see the failure
    instances.add(inst);
    return inst;
  }

  /** An instance with a free slot (taken), a new one, or undefined: wait. */
  function take() {
    let best;
    for (const inst of instances)
      if (!inst.gone && inst.busy < concurrency && (!best || inst.busy < best.busy)) best = inst;
    if (!best && instances.size < maxInstances) best = spawnInstance();
    if (best) {
      best.busy++;
      best.lastUsed = Date.now();
    }
    return best;
  }

  function release(inst) {
    inst.busy--;
    inst.lastUsed = Date.now();
    pump();
  }

  function pump() {
    while (waiting.length > 0 && !closed) {
      const inst = take();
      if (!inst) return;
      waiting.shift()(inst);
    }
  }

  const acquire = () =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new Error(`${name} is stopping`));
      const inst = take();
      if (inst) resolve(inst);
      else waiting.push(resolve);
    });

  const reaper = setInterval(
    () => {
      const now = Date.now();
      for (const inst of instances)
        if (inst.it && inst.busy === 0 && now - inst.lastUsed >= idleMs) remove(inst, 'reap');
    },
    Math.max(250, Math.min(5_000, idleMs / 4)),
  );
  reaper.unref();

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      let inst;
      try {
        inst = await acquire();
        const it = await inst.ready;
        const headers = { ...req.headers };
        delete headers.host;
        delete headers.connection;
        const answer = await fetch(new URL(req.url, it.url), {
          method: req.method,
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await answer.arrayBuffer());
        const out = {};
        answer.headers.forEach((v, k) => {
          if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
        });
        res.writeHead(answer.status, out).end(body);
        if (options.resetWhen?.(answer)) remove(inst, 'reset');
      } catch (err) {
        // the platform's own answer when an instance could not take the request
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `${name}: ${err.message}` }));
      } finally {
        if (inst) release(inst);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** How many instances run (or start) now. */
    get size() {
      return instances.size;
    },
    /** How many instances were started so far: each one a cold start. */
    get starts() {
      return starts;
    },
    /** Stops taking requests and stops every instance (SIGTERM: they flush, as on the platform). */
    async close() {
      closed = true;
      clearInterval(reaper);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
      const all = [...instances];
      instances.clear();
      await Promise.allSettled(
        all.map(async (inst) => {
          inst.gone = true;
          const it = await inst.ready.catch(() => undefined);
          await it?.stop();
        }),
      );
    },
  };
}
