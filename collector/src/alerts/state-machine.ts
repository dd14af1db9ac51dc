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
 *
 * A receiver hears of every change to an episode it knows of: `firing` when the rule fires,
 * `resolved` when the condition clears, `no_data` when a firing rule runs out of data (the
 * episode stays open: `resolved` follows once data is back and the condition is false, or
 * `firing` again if it is true), and `repeat` every `repeatInterval` while firing — also
 * while `keep` holds a firing state through a gap. Changes a receiver never heard the start
 * of (pending, no data before any firing) are not sent. Pure: the clock is an argument,
 * nothing is mutated.
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
  /**
   * A receiver was told this episode fired and has not been told it resolved (a `no_data`
   * notification leaves it open). Absent in states saved by earlier versions: then open
   * exactly when firing.
   */
  open?: boolean;
}

export interface Observation {
  value: number | undefined;
  samples: number;
}

export interface Step {
  next: AlertState;
  /** Set when the state changed. */
  transition: { from: StateName; to: StateName } | undefined;
  /** Set when a notification should go out. */
  notify: NotificationKind | undefined;
}

export const NOTIFICATION_KINDS = ['firing', 'resolved', 'no_data', 'repeat'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const initialState = (now: number): AlertState => ({
  state: 'inactive',
  since: now,
  breachSince: undefined,
  value: undefined,
  lastNotifiedAt: undefined,
  seq: 0,
  open: false,
});

export function step(rule: AlertRule, prev: AlertState, obs: Observation, now: number): Step {
  const open = prev.open ?? prev.state === 'firing';
  const repeatDue = (at: AlertState) =>
    at.state === 'firing' && at.lastNotifiedAt !== undefined && now - at.lastNotifiedAt >= ms(rule.repeatInterval);
  const noData = obs.value === undefined || obs.samples < Math.max(1, rule.minSamples);
  let breach: boolean | undefined;
  if (!noData) breach = compare(obs.value!, rule.comparator, rule.threshold);
  else if (rule.noData === 'ok') breach = false;
  else if (rule.noData === 'alerting') breach = true;
  else if (rule.noData === 'keep') {
    // the state stands through the gap; a firing one keeps reminding
    const kept = { ...prev, value: obs.value, open };
    if (!repeatDue(kept)) return { next: kept, transition: undefined, notify: undefined };
    return { next: { ...kept, lastNotifiedAt: now }, transition: undefined, notify: 'repeat' };
  }

  const to = (state: StateName, extra: Partial<AlertState> = {}): AlertState => ({
    ...prev,
    state,
    since: state === prev.state ? prev.since : now,
    value: obs.value,
    seq: state === prev.state ? prev.seq : prev.seq + 1,
    open,
    ...extra,
  });

  let next: AlertState;
  if (breach === undefined) {
    // no data, shown as such; an episode a receiver knows of stays open until data is back
    next = to('no_data', { breachSince: undefined });
  } else if (breach) {
    const breachSince = prev.state === 'pending' || prev.state === 'firing' ? (prev.breachSince ?? now) : now;
    const held = now - breachSince >= ms(rule.for);
    next = to(held ? 'firing' : 'pending', { breachSince });
  } else if (open) {
    next = to('resolved', { breachSince: undefined });
  } else {
    next = to('inactive', { breachSince: undefined });
  }

  let notify: Step['notify'];
  if (next.state === 'firing' && prev.state !== 'firing') notify = 'firing';
  else if (next.state === 'resolved' && prev.state !== 'resolved') notify = 'resolved';
  else if (next.state === 'no_data' && prev.state === 'firing') notify = 'no_data';
  else if (next.state === 'firing' && repeatDue(prev)) notify = 'repeat';
  if (notify === 'firing') next = { ...next, open: true };
  if (notify === 'resolved') next = { ...next, open: false };
  if (notify) next = { ...next, lastNotifiedAt: now };
  if (next.state !== 'firing') next = { ...next, lastNotifiedAt: notify ? now : undefined };
  const transition = next.state !== prev.state ? { from: prev.state, to: next.state } : undefined;
  return { next, transition, notify };
}
