import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the web dashboard (`@fntrace/dashboard`, built by Vite) at `/`. A collector
 * installed without the built dashboard still runs; `/` then says how to build it.
 */
export function dashboardDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@fntrace/dashboard/package.json');
    const dist = join(dirname(pkg), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  const root = dashboardDir();
  if (!root) {
    app.get('/', async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send('The fntrace dashboard is not built. Run `npm run build` at the repository root, then reload.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    wildcard: false,
    cacheControl: true,
    maxAge: '1h',
  });
}
