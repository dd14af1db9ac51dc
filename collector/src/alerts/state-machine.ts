import { type AlertRule, compare, ms } from './rule.js';

/**
 * The state of one rule (or one group of a grouped rule), advanced once per evaluation:
 *
 *   inactive ──condition──▶ pending ──held for "for"──▶ firing ──condition clears──▶ resolved
 *       ▲                      │ clears                      │                         │
 *       └──────────────────────┴─────────────────────────────┴──(next ok evaluation)───┘
 *
 * With `for: 0s` a breach fires at once. A window with fewer samples than `minSamples` is
 * "no data", handled as the rule says: `no_data` (a state of its own), `ok` (as if the
 * condition were false), `alerting` (as if it were true), or `keep` (stay as you are).
 * Notifications go out on firing and on resolved, and again every `repeatInterval` while
 * firing. Pure: the clock is an argument, nothing is mutated.
 */
export const STATE_NAMES = ['inactive', 'pending', 'firing', 'resolved', 'no_data'] as const;
export type StateName = (typeof STATE_NAMES)[number];

export interface AlertState {
  state: StateName;
  /** When the current state began (epoch ms). */
  since: number;
  /** When the condition first held in this episode (pending or firing). */
  breachSince: number | undefined;
  /** Last value seen, and when the last notification for this episode went out. */
  value: number | undefined;
  lastNotifiedAt: number | undefined;
  /** Counts transitions; part of each notification's id, so a transition is sent once. */
  seq: number;
}

export interface Observation {
  value: number | undefined;
  samples: number;
}

export interface Step {
  next: AlertState;
  /** Set when the state changed. */
  transition: { from: StateName; to: StateName } | undefined;
  /** Set when a notification should go out (firing, resolved, or a repeat). */
  notify: 'firing' | 'resolved' | 'repeat' | undefined;
}

export const initialState = (now: number): AlertState => ({
  state: 'inactive',
  since: now,
  breachSince: undefined,
  value: undefined,
  lastNotifiedAt: undefined,
  seq: 0,
});

export function step(rule: AlertRule, prev: AlertState, obs: Observation, now: number): Step {
  const noData = obs.value === undefined || obs.samples < Math.max(1, rule.minSamples);
  let breach: boolean | undefined;
  if (!noData) breach = compare(obs.value!, rule.comparator, rule.threshold);
  else if (rule.noData === 'ok') breach = false;
  else if (rule.noData === 'alerting') breach = true;
  else if (rule.noData === 'keep')
    return { next: { ...prev, value: obs.value }, transition: undefined, notify: undefined };

  const to = (state: StateName, extra: Partial<AlertState> = {}): AlertState => ({
    ...prev,
    state,
    since: state === prev.state ? prev.since : now,
    value: obs.value,
    seq: state === prev.state ? prev.seq : prev.seq + 1,
    ...extra,
  });

  let next: AlertState;
  if (breach === undefined) {
    // no data, shown as such; an episode in progress ends without a "resolved" notification
    next = to('no_data', { breachSince: undefined });
  } else if (breach) {
    const breachSince = prev.state === 'pending' || prev.state === 'firing' ? (prev.breachSince ?? now) : now;
    const held = now - breachSince >= ms(rule.for);
    next = to(held ? 'firing' : 'pending', { breachSince });
  } else if (prev.state === 'firing') {
    next = to('resolved', { breachSince: undefined });
  } else {
    next = to('inactive', { breachSince: undefined });
  }

  let notify: Step['notify'];
  if (next.state === 'firing' && prev.state !== 'firing') notify = 'firing';
  else if (next.state === 'resolved' && prev.state === 'firing') notify = 'resolved';
  else if (
    next.state === 'firing' &&
    prev.lastNotifiedAt !== undefined &&
    now - prev.lastNotifiedAt >= ms(rule.repeatInterval)
  )
    notify = 'repeat';
  if (notify) next = { ...next, lastNotifiedAt: now };
  if (next.state === 'inactive' || next.state === 'no_data')
    next = { ...next, lastNotifiedAt: notify ? now : undefined };
  const transition = next.state !== prev.state ? { from: prev.state, to: next.state } : undefined;
  return { next, transition, notify };
}
