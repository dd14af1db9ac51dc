import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AlertEngine, type EngineOptions } from './engine.js';
import { alertsPlugin } from './plugin.js';
import type { AlertRule } from './rule.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Evaluates the alert rules and sends their notifications. */
    alertEngine: AlertEngine;
  }
}

export interface AlertsStageOptions extends Omit<EngineOptions, 'store' | 'log'> {
  /** The rules of `--alert-rules`, read and checked before anything started. */
  fileRules: readonly AlertRule[];
  /** Whether this collector evaluates the rules (`--alerts`); the API works either way. */
  evaluate: boolean;
  /** How often the engine checks which rules are due. */
  tickMs: number;
}

/**
 * The alerts stage (after the store's): the engine with the file's rules and those saved
 * through the API, the alert API's routes, and evaluation once the server is ready. On close
 * (before the store's): evaluation stops and pending notifications settle.
 */
export const alertsStage = fp(
  async (app: FastifyInstance, { fileRules, evaluate, tickMs, ...engineOptions }: AlertsStageOptions) => {
    const engine = new AlertEngine({ ...engineOptions, store: app.store, log: app.log });
    engine.setFileRules([...fileRules]);
    await engine.load();
    app.decorate('alertEngine', engine);
    await app.register(alertsPlugin, { engine });
    app.addHook('onReady', async () => {
      if (evaluate) engine.start(tickMs);
    });
    app.addHook('onClose', () => engine.stop());
  },
  { name: 'fntrace-alerts', dependencies: ['fntrace-store'] },
);
