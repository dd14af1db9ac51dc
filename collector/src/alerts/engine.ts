import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/clickhouse.js';
import type { AlertPreview, RuleStatus } from './answers.js';
import { type AlertEvent, slackBody, UNITS, webhookBody } from './notify.js';
import { type AlertRule, ms } from './rule.js';
import { evaluateSignal, ingestLagMs } from './signals.js';
import { type AlertState, initialState, type NotificationKind, step } from './state-machine.js';
import { AlertStore, type Notification, type Silence } from './store.js';

/**
 * Evaluates alert rules on their intervals, keeps each rule's (and group's) state in
 * ClickHouse, and sends notifications from an outbox: a notification is recorded before it
 * is sent and marked delivered after, so a restart sends what was pending and nothing twice
 * (deliveries also carry an idempotency key). A window is evaluated only once it is
 * complete enough: its end trails the clock by the measured ingest lag (p99 of how late
 * spans arrive, at least `minLagMs`, at most `maxLagMs`), so late spans from frozen
 * functions are counted in the window they belong to.
 */
export interface EngineOptions {
  store: Store;
  log: FastifyBaseLogger;
  /** Base URL for links in notifications. */
  publicUrl: string;
  now?: () => number;
  minLagMs?: number;
  maxLagMs?: number;
  /** First retry delay; doubles per attempt. Default 1 s. */
  retryBaseMs?: number;
  maxAttempts?: number;
}

const keyOf = (ruleId: string, group: string) => `${ruleId}\u0000${group}`;

export class AlertEngine {
  readonly alertStore: AlertStore;
  private readonly fileRules = new Map<string, AlertRule>();
  private readonly apiRules = new Map<string, AlertRule>();
  private readonly states = new Map<string, AlertState>();
  private readonly lastEval = new Map<string, number>();
  private silences: Silence[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;
  readonly now: () => number;
  lastLagMs = 0;

  /** The store the rules read (target checks). */
  get store(): Store {
    return this.o.store;
  }

  constructor(private readonly o: EngineOptions) {
    this.alertStore = new AlertStore(o.store);
    this.now = o.now ?? Date.now;
  }

  setFileRules(rules: AlertRule[]): void {
    this.fileRules.clear();
    for (const r of rules) this.fileRules.set(r.id, r);
  }

  rules(): { rule: AlertRule; source: 'file' | 'api' }[] {
    return [
      ...[...this.fileRules.values()].map((rule) => ({ rule, source: 'file' as const })),
      ...[...this.apiRules.values()]
        .filter((r) => !this.fileRules.has(r.id))
        .map((rule) => ({ rule, source: 'api' as const })),
    ];
  }

  ruleById(id: string): { rule: AlertRule; source: 'file' | 'api' } | undefined {
    return this.rules().find((r) => r.rule.id === id);
  }

  /** Rules from the API, saved states and silences; resends notifications a previous run left pending. */
  async load(): Promise<void> {
    for (const r of await this.alertStore.apiRules()) this.apiRules.set(r.id, r);
    for (const s of await this.alertStore.states()) this.states.set(keyOf(s.ruleId, s.group), s.state);
    this.silences = await this.alertStore.silences(this.now());
    for (const n of await this.alertStore.pendingNotifications()) {
      const rule = this.ruleById(n.ruleId)?.rule;
      if (rule) this.track(this.deliver(n, rule));
    }
  }

  start(tickMs = 1000): void {
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 10));
    await this.idle();
  }

  /** A retry wait that ends early when the engine stops. */
  private async sleep(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.stopped && Date.now() < end) await new Promise((r) => setTimeout(r, Math.min(50, end - Date.now())));
  }

  /** Wait for deliveries under way (tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async saveRule(rule: AlertRule): Promise<void> {
    this.apiRules.set(rule.id, rule);
    await this.alertStore.saveRule(rule, this.now());
  }

  async deleteRule(id: string): Promise<void> {
    this.apiRules.delete(id);
    await this.alertStore.deleteRule(id, this.now());
  }

  async silence(s: Silence, remove = false): Promise<void> {
    await this.alertStore.saveSilence(s, this.now(), remove);
    this.silences = await this.alertStore.silences(this.now());
  }

  activeSilences(): Silence[] {
    const now = this.now();
    return this.silences.filter((s) => s.untilMs > now);
  }

  status(): RuleStatus[] {
    return this.rules().map(({ rule, source }) => {
      const states = [...this.states.entries()]
        .filter(([k]) => k.startsWith(`${rule.id}\u0000`))
        .map(([k, s]) => ({ group: k.slice(rule.id.length + 1), state: s.state, since: s.since, value: s.value }));
      const silence = this.activeSilences().find((s) => s.ruleId === rule.id && s.group === '');
      return { rule, source, states, silencedUntil: silence?.untilMs };
    });
  }

  /** Evaluate every rule whose interval has passed. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const now = this.now();
      const due = this.rules().filter(({ rule }) => now - (this.lastEval.get(rule.id) ?? 0) >= ms(rule.interval));
      if (due.length === 0) return;
      const measured = await ingestLagMs(this.o.store, now).catch(() => 0);
      this.lastLagMs = Math.round(Math.min(this.o.maxLagMs ?? 600_000, Math.max(this.o.minLagMs ?? 5_000, measured)));
      for (const { rule } of due) {
        this.lastEval.set(rule.id, now);
        await this.evaluate(rule, now).catch((err: Error) =>
          this.o.log.warn({ err: err.message, rule: rule.id }, 'alert evaluation failed'),
        );
      }
    } finally {
      this.ticking = false;
    }
  }

  async evaluate(rule: AlertRule, now: number): Promise<void> {
    const end = now - this.lastLagMs;
    const start = end - ms(rule.window);
    const observed = await evaluateSignal(this.o.store, rule, start, end);
    const groups = new Map(observed.map((g) => [g.group, g]));
    for (const k of this.states.keys())
      if (k.startsWith(`${rule.id}\u0000`))
        groups.set(
          k.slice(rule.id.length + 1),
          groups.get(k.slice(rule.id.length + 1)) ?? {
            group: k.slice(rule.id.length + 1),
            value: undefined,
            samples: 0,
          },
        );
    if (rule.groupBy === 'none' && !groups.has('')) groups.set('', { group: '', value: undefined, samples: 0 });
    for (const [group, obs] of groups) {
      const key = keyOf(rule.id, group);
      const prev = this.states.get(key) ?? initialState(now);
      const { next, transition, notify } = step(rule, prev, obs, now);
      if (notify) await this.notify(rule, group, next, notify, start, end, now);
      if (JSON.stringify(next) !== JSON.stringify(prev) || !this.states.has(key)) {
        this.states.set(key, next);
        await this.alertStore.saveState(rule.id, group, next, now);
      }
      if (transition) {
        await this.alertStore.history({
          at: now,
          ruleId: rule.id,
          group,
          kind: 'transition',
          from: transition.from,
          to: transition.to,
          value: obs.value,
          threshold: rule.threshold,
        });
      }
    }
  }

  private async notify(
    rule: AlertRule,
    group: string,
    state: AlertState,
    kind: NotificationKind,
    start: number,
    end: number,
    now: number,
  ) {
    // one id per transition (its sequence number), and per repeat (its time)
    const id = `${rule.id}|${group}|${state.seq}|${kind}${kind === 'repeat' ? `|${now}` : ''}`;
    const silenced = this.activeSilences().find((s) => s.ruleId === rule.id && (s.group === '' || s.group === group));
    if (silenced) {
      await this.alertStore.history({
        at: now,
        ruleId: rule.id,
        group,
        kind: 'silenced',
        value: state.value,
        threshold: rule.threshold,
        notificationId: id,
        detail: `silence ${silenced.id}`,
      });
      return;
    }
    if (await this.alertStore.notificationExists(id)) return; // recorded before a restart: the outbox sends it
    const event: AlertEvent = {
      notificationId: id,
      kind,
      rule,
      group,
      state: state.state,
      value: state.value,
      windowStartMs: start,
      windowEndMs: end,
      at: now,
    };
    const n: Notification = {
      id,
      ruleId: rule.id,
      group,
      kind,
      payload: JSON.stringify(event),
      status: 'pending',
      attempts: 0,
    };
    await this.alertStore.saveNotification(n, now);
    this.track(this.deliver(n, rule));
  }

  private track(p: Promise<void>) {
    this.inflight.add(p);
    p.finally(() => this.inflight.delete(p));
  }

  private async deliver(n: Notification, rule: AlertRule): Promise<void> {
    const event = JSON.parse(n.payload) as AlertEvent;
    event.rule = rule;
    const remaining = new Set(rule.channels.map((c) => c.url));
    const maxAttempts = this.o.maxAttempts ?? 8;
    let attempt = n.attempts;
    while (remaining.size > 0 && attempt < maxAttempts && !this.stopped) {
      attempt++;
      for (const channel of rule.channels) {
        if (!remaining.has(channel.url)) continue;
        const body =
          channel.type === 'slack' ? slackBody(this.o.publicUrl, event) : webhookBody(this.o.publicUrl, event);
        let status = 'failed';
        let detail = '';
        try {
          const res = await fetch(channel.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': n.id },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(5000),
          });
          await res.arrayBuffer().catch(() => undefined);
          if (res.ok) {
            status = 'delivered';
            remaining.delete(channel.url);
          } else detail = `HTTP ${res.status}`;
        } catch (err) {
          detail = (err as Error).message;
        }
        await this.alertStore.history({
          at: this.now(),
          ruleId: rule.id,
          group: n.group,
          kind: 'delivery',
          threshold: rule.threshold,
          value: event.value,
          notificationId: n.id,
          channel: channel.type,
          attempt,
          status,
          detail,
        });
      }
      if (remaining.size > 0 && attempt < maxAttempts)
        await this.sleep((this.o.retryBaseMs ?? 1000) * 2 ** (attempt - 1));
    }
    // stopped mid-way: the outbox keeps it pending, and the next start sends it
    if (this.stopped && remaining.size > 0) return;
    const done = remaining.size === 0 ? 'delivered' : attempt >= maxAttempts ? 'failed' : 'pending';
    await this.alertStore.saveNotification({ ...n, status: done, attempts: attempt }, this.now());
  }

  /**
   * "What would this rule have said over the last 24 h?": the signal over consecutive windows
   * of the rule's length (at most 288), and the states the state machine would have gone
   * through. No notification is sent.
   */
  async preview(rule: AlertRule, now = this.now(), spanMs = 24 * 3600_000): Promise<Omit<AlertPreview, 'warnings'>> {
    const bucket = Math.max(ms(rule.window), Math.ceil(spanMs / 288));
    const from = now - spanMs;
    const values = await evaluateSignal(this.o.store, { ...rule, groupBy: 'none' }, from, now, bucket);
    const byBucket = new Map(values.map((v) => [Number(v.group), v]));
    let state = initialState(from);
    const points = [];
    for (let i = 0; from + (i + 1) * bucket <= now + bucket; i++) {
      const t = from + (i + 1) * bucket;
      const v = byBucket.get(i) ?? { group: String(i), value: undefined, samples: 0 };
      const s = step(rule, state, v, t);
      state = s.next;
      points.push({ t, value: v.value ?? null, samples: v.samples, state: state.state, notify: s.notify ?? null });
    }
    return { bucketMs: bucket, threshold: rule.threshold, unit: UNITS[rule.signal] ?? '', points };
  }
}
