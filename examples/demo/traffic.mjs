// Shoppers: requests to the storefront until stopped, as a small production system gets them —
// arrivals at random (a Poisson process) around a base rate, with a flash-sale burst now and
// then that makes the platforms start more instances (cold starts), which idle reaping stops
// afterwards. The mix: product pages (answered at the edge), order lookups, checkouts (the whole
// journey across the three platforms) and a few invalid checkouts (400s).

const ITEMS = ['lamp', 'kettle', 'espresso-machine', 'mug'];
// correlation ids `shop-<run>-<n>`: unique across runs, which share the collector's data
const RUN = Date.now().toString(36).slice(-5);
const pick = (list) => list[Math.floor(Math.random() * list.length)];

/** A checkout of one to three of an item (or, `invalid`, of an item the shop does not sell). */
function checkout(n, invalid = false) {
  const correlationId = `shop-${RUN}-${n}`;
  const order = invalid ? { item: 'unicorn' } : { item: pick(ITEMS), quantity: 1 + Math.floor(Math.random() * 3) };
  return {
    kind: invalid ? 'invalid' : 'checkout',
    correlationId,
    path: '/checkout',
    init: {
      method: 'POST',
      headers: { 'x-correlation-id': correlationId, 'content-type': 'application/json' },
      body: JSON.stringify(order),
    },
  };
}

/** One request of the mix: what it is, and the request to make. */
function nextRequest(n) {
  const r = Math.random();
  const correlationId = `shop-${RUN}-${n}`;
  const init = { headers: { 'x-correlation-id': correlationId } };
  if (r < 0.45) return { kind: 'product', correlationId, path: `/products/${pick(ITEMS)}`, init };
  if (r < 0.55) return { kind: 'lookup', correlationId, path: `/orders/ord-${1000 + n}`, init };
  return checkout(n, r > 0.97);
}

/**
 * @param {{
 *   url: string, ratePerSecond?: number, burstEveryMs?: number, burstSize?: number, firstBurstMs?: number,
 *   onResponse?: (r: { kind: string, correlationId: string, status: number, ms: number, body: string }) => void,
 * }} options defaults: 2 requests a second; a burst of 24 checkouts within ~2 s every 45 s, the
 *   first after `firstBurstMs` (default 25 s).
 */
export function startTraffic({
  url,
  ratePerSecond = 2,
  burstEveryMs = 45_000,
  burstSize = 24,
  firstBurstMs = 25_000,
  onResponse = () => {},
}) {
  let n = 0;
  let running = true;
  const stopped = new AbortController();
  const inFlight = new Set();
  const timers = new Set();
  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (running) fn();
    }, ms);
    timers.add(t);
  };

  const send = (request) => {
    const t0 = Date.now();
    const signal = AbortSignal.any([stopped.signal, AbortSignal.timeout(30_000)]);
    const p = fetch(`${url}${request.path}`, { ...request.init, signal })
      .then(async (res) => {
        const body = await res.text();
        onResponse({ ...request, status: res.status, ms: Date.now() - t0, body });
      })
      .catch(() => {
        if (running) onResponse({ ...request, status: 0, ms: Date.now() - t0, body: '' });
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const arrive = () => {
    send(nextRequest(n++));
    // exponential gaps: a Poisson process at the base rate
    later(-Math.log(1 - Math.random()) * (1000 / ratePerSecond), arrive);
  };
  const burst = () => {
    for (let i = 0; i < burstSize; i++) later(Math.random() * 2000, () => send(checkout(n++)));
    later(burstEveryMs, burst);
  };
  arrive();
  later(firstBurstMs, burst);

  return {
    /** Stops sending, and gives up the requests under way (as shoppers closing the tab). */
    async stop() {
      running = false;
      for (const t of timers) clearTimeout(t);
      stopped.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}
