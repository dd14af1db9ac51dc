// What the dashboard-render bench runs inside the page: a watch for the waterfall's first
// complete view, and a scroll through the whole waterfall timed frame by frame.

import { quantile, round } from './common.mjs';

/**
 * An init script (runs before the dashboard's own): on every animation frame from navigation
 * start, checks whether the waterfall holds a row that reaches the bottom edge of its scroll box —
 * the view is full — and when it first does, sets `window.__bench.renderedMs` to that frame's
 * `performance.now()` (milliseconds since navigation start). So it is precise to one frame.
 */
export function watchFirstFullView() {
  const bench = {};
  window.__bench = bench;
  const full = () => {
    const box = document.querySelector('.waterfall .rows');
    if (!box || box.clientHeight === 0) return false;
    for (const row of box.querySelectorAll('.row'))
      if (row.offsetTop + row.offsetHeight >= box.clientHeight) return true;
    return false;
  };
  const check = () => {
    if (full()) bench.renderedMs = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/**
 * Scrolls the waterfall one page (its visible height) a frame from the top to the bottom, and back
 * again while fewer than `minFrames` frames were timed (a short trace), recording the time between
 * consecutive animation frames. Each frame brings a page of rows the DOM did not hold into view:
 * the most a windowed list has to render a frame. Resolves the frame times' p50 and p95 (ms).
 */
export async function measureScroll(page, minFrames) {
  const times = await page.evaluate(async (min) => {
    const box = document.querySelector('.waterfall .rows');
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const bottom = box.scrollHeight - box.clientHeight;
    let last = await frame();
    const out = [];
    let down = true;
    let reachedBottom = false;
    while (!reachedBottom || out.length < min) {
      box.scrollTop = down
        ? Math.min(bottom, box.scrollTop + box.clientHeight)
        : Math.max(0, box.scrollTop - box.clientHeight);
      const t = await frame();
      out.push(t - last);
      last = t;
      if (box.scrollTop >= bottom - 1) {
        reachedBottom = true;
        down = false;
      } else if (box.scrollTop <= 0) down = true;
    }
    return out;
  }, minFrames);
  return { p50Ms: round(quantile(times, 0.5), 1), p95Ms: round(quantile(times, 0.95), 1), frames: times.length };
}
