import { describe, expect, it } from 'vitest';
import { type AlertRule, parseRule } from '../../../collector/src/alerts/rule.js';
import { type AlertState, initialState, type Observation, step } from '../../../collector/src/alerts/state-machine.js';

// Every transition on a controllable clock: the state machine is pure.
const rule = (extra: Partial<AlertRule> = {}) =>
  parseRule({
    name: 'p95',
    signal: 'latency_p95',
    comparator: '>',
    threshold: 300,
    for: '2m',
    minSamples: 5,
    repeatInterval: '1h',
    ...extra,
  });
const bad: Observation = { value: 500, samples: 20 };
const good: Observation = { value: 100, samples: 20 };
const empty: Observation = { value: undefined, samples: 0 };
const min = 60_000;

function run(r: AlertRule, obs: Observation[], start = 0) {
  let s: AlertState = initialState(start);
  return obs.map((o, i) => {
    const out = step(r, s, o, start + i * min);
    s = out.next;
    return {
      state: s.state,
      notify: out.notify,
      transition: out.transition ? `${out.transition.from}>${out.transition.to}` : undefined,
    };
  });
}

describe('alert state machine', () => {
  it('goes inactive → pending → firing → resolved → inactive, notifying on firing and resolved only', () => {
    expect(run(rule(), [good, bad, bad, bad, good, good])).toEqual([
      { state: 'inactive', notify: undefined, transition: undefined },
      { state: 'pending', notify: undefined, transition: 'inactive>pending' },
      { state: 'pending', notify: undefined, transition: undefined },
      { state: 'firing', notify: 'firing', transition: 'pending>firing' },
      { state: 'resolved', notify: 'resolved', transition: 'firing>resolved' },
      { state: 'inactive', notify: undefined, transition: 'resolved>inactive' },
    ]);
  });

  it('drops back from pending when the condition clears before "for" passes, without a notification', () => {
    expect(run(rule(), [bad, good]).map((s) => [s.state, s.notify])).toEqual([
      ['pending', undefined],
      ['inactive', undefined],
    ]);
  });

  it('fires at once with for: 0s', () => {
    expect(run(rule({ for: '0s' }), [bad])[0]).toEqual({
      state: 'firing',
      notify: 'firing',
      transition: 'inactive>firing',
    });
  });

  it('repeats while firing every repeatInterval', () => {
    const r = rule({ for: '0s', repeatInterval: '3m' });
    const notes = run(r, [bad, bad, bad, bad, bad, bad, bad]).map((s) => s.notify);
    expect(notes).toEqual(['firing', undefined, undefined, 'repeat', undefined, undefined, 'repeat']);
  });

  it('fires again after resolving when the condition returns', () => {
    const r = rule({ for: '0s' });
    expect(run(r, [bad, good, bad]).map((s) => s.notify)).toEqual(['firing', 'resolved', 'firing']);
  });

  it('treats too few samples as no data, handled as the rule says', () => {
    const few: Observation = { value: 900, samples: 2 };
    expect(run(rule({ for: '0s' }), [few])[0]!.state).toBe('no_data');
    expect(run(rule({ for: '0s', noData: 'ok' }), [bad, empty]).map((s) => [s.state, s.notify])).toEqual([
      ['firing', 'firing'],
      ['resolved', 'resolved'],
    ]);
    expect(run(rule({ for: '0s', noData: 'alerting' }), [empty])[0]).toMatchObject({
      state: 'firing',
      notify: 'firing',
    });
    expect(run(rule({ for: '0s', noData: 'keep' }), [bad, empty, empty]).map((s) => s.state)).toEqual([
      'firing',
      'firing',
      'firing',
    ]);
    // an episode that ends in no data says so (once), and does not claim to be resolved
    expect(run(rule({ for: '0s' }), [bad, empty, empty]).map((s) => [s.state, s.notify])).toEqual([
      ['firing', 'firing'],
      ['no_data', 'no_data'],
      ['no_data', undefined],
    ]);
  });

  it('tells a receiver of every change to an episode it knows of, and of nothing it does not', () => {
    const r = rule({ for: '0s' });
    const notes = (obs: Observation[], x = r) => run(x, obs).map((s) => [s.state, s.notify ?? '']);
    // firing → no data → data back and fine: the episode the receiver holds open is resolved
    expect(notes([bad, empty, good, good])).toEqual([
      ['firing', 'firing'],
      ['no_data', 'no_data'],
      ['resolved', 'resolved'],
      ['inactive', ''],
    ]);
    // firing → no data → data back and still bad: firing again
    expect(notes([bad, empty, bad])).toEqual([
      ['firing', 'firing'],
      ['no_data', 'no_data'],
      ['firing', 'firing'],
    ]);
    // with "for", the way back to firing goes through pending; if it clears there, resolved
    expect(notes([bad, bad, bad, empty, bad, good], rule())).toEqual([
      ['pending', ''],
      ['pending', ''],
      ['firing', 'firing'],
      ['no_data', 'no_data'],
      ['pending', ''],
      ['resolved', 'resolved'],
    ]);
    // no data before anything fired, or while only pending: nothing to tell
    expect(notes([empty, bad, empty, good], rule())).toEqual([
      ['no_data', ''],
      ['pending', ''],
      ['no_data', ''],
      ['inactive', ''],
    ]);
    // noData ok resolves; alerting keeps firing (and repeating); keep holds the state, repeating
    expect(notes([bad, empty, empty], rule({ for: '0s', noData: 'ok' }))).toEqual([
      ['firing', 'firing'],
      ['resolved', 'resolved'],
      ['inactive', ''],
    ]);
    const every2m = { for: '0s', repeatInterval: '2m' } as const;
    expect(notes([bad, empty, empty, empty], rule({ ...every2m, noData: 'alerting' }))).toEqual([
      ['firing', 'firing'],
      ['firing', ''],
      ['firing', 'repeat'],
      ['firing', ''],
    ]);
    expect(notes([bad, empty, empty, empty, good], rule({ ...every2m, noData: 'keep' }))).toEqual([
      ['firing', 'firing'],
      ['firing', ''],
      ['firing', 'repeat'],
      ['firing', ''],
      ['resolved', 'resolved'],
    ]);
  });

  it('reads states saved before episodes were tracked: firing is an open episode', () => {
    const { open: _open, ...legacy } = { ...initialState(0), state: 'firing' as const, seq: 1, lastNotifiedAt: 0 };
    expect(step(rule({ for: '0s' }), legacy, empty, min)).toMatchObject({ notify: 'no_data', next: { open: true } });
    const { open: _o, ...quiet } = { ...initialState(0), state: 'no_data' as const, seq: 2 };
    expect(step(rule({ for: '0s' }), quiet, good, min).notify).toBeUndefined();
  });

  it('numbers transitions so each notification has its own id', () => {
    let s = initialState(0);
    const seqs: number[] = [];
    for (const [i, o] of [bad, bad, bad, good, good].entries()) {
      s = step(rule(), s, o, i * min).next;
      seqs.push(s.seq);
    }
    expect(seqs).toEqual([1, 1, 2, 3, 4]);
  });

  it('compares with every comparator', () => {
    const at = (comparator: AlertRule['comparator'], value: number) =>
      step(rule({ comparator, for: '0s', threshold: 10 }), initialState(0), { value, samples: 9 }, 0).next.state;
    expect([at('>', 10), at('>=', 10), at('<', 10), at('<=', 10), at('<', 9)]).toEqual([
      'inactive',
      'firing',
      'inactive',
      'firing',
      'firing',
    ]);
  });
});
