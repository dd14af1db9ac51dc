import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CollectorOptions } from '../config/options.js';
import { lockDataDir } from './lock.js';
import { Spool } from './spool.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The spool: what ingest acknowledged, on disk until the store has it. */
    spool: Spool;
  }
}

/**
 * The spool stage: takes `--data` for this process (a lock file), opens the spool in it
 * (segments a previous run left are stored first), and decorates the instance with it. On
 * close (after the stages registered later, which store what the spool holds): seals what is
 * open and gives `--data` back.
 */
export const spoolStage = fp(
  async (app: FastifyInstance, { options }: { options: CollectorOptions }) => {
    const dataDir = resolve(options.data);
    await mkdir(dataDir, { recursive: true });
    const unlock = await lockDataDir(dataDir);
    const spool = new Spool({
      dir: join(dataDir, 'spool'),
      maxBytes: options.spoolMaxBytes,
      segmentBytes: options.segmentBytes,
      segmentMaxAgeMs: options.segmentMaxAgeMs,
    });
    const recovered = await spool.open().catch(async (err) => {
      await unlock();
      throw err;
    });
    if (recovered.recovered > 0) app.log.info(recovered, 'spool segments from a previous run will be stored');
    app.decorate('spool', spool);
    app.addHook('onClose', async () => {
      await spool.close();
      await unlock();
    });
  },
  { name: 'fntrace-spool' },
);
