import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import type { RuleStatus } from '../view-model/types.js';

/**
 * How many rules (or groups of grouped rules) are firing, beside "Alerts" in the navigation,
 * so an incident is seen from any page. Polled every 15 s (and when the page changes); a
 * silenced one is counted apart, as it pages nobody.
 */
export function useFiringCount(page: string): { firing: number; silenced: number } {
  const [count, setCount] = useState({ firing: 0, silenced: 0 });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, []);
  // page and tick are when to ask again
  useEffect(() => {
    let live = true;
    get<{ rules: RuleStatus[] }>('alerts/rules').then(
      ({ rules }) => {
        if (!live) return;
        const now = Date.now();
        let firing = 0;
        let silenced = 0;
        for (const r of rules)
          for (const s of r.states)
            if (s.state === 'firing') {
              if (r.silencedUntil && r.silencedUntil > now) silenced++;
              else firing++;
            }
        setCount({ firing, silenced });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [page, tick]);
  return count;
}

export function FiringBadge({ firing, silenced }: { firing: number; silenced: number }) {
  if (firing === 0 && silenced === 0) return null;
  const text = `${firing} firing${silenced ? `, ${silenced} silenced` : ''}`;
  return (
    <span class={`nav-count${firing ? ' firing' : ''}`} title={text} data-firing={firing}>
      <span aria-hidden="true">{firing || silenced}</span>
      <span class="sr-only">, {text}</span>
    </span>
  );
}
