import * as http from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { Env } from '../../core/env.js';
import { resourceId } from './pubsub-message.js';

/**
 * The project, region and instance of the Google Cloud environment the function runs in.
 *
 * Cloud Run (and Cloud Run functions) set none of them in the environment — only
 * `K_SERVICE`, `K_REVISION`, `K_CONFIGURATION`, `FUNCTION_TARGET`, `FUNCTION_SIGNATURE_TYPE`
 * and `PORT`; the older Cloud Functions runtimes also set `GCP_PROJECT`/`GCLOUD_PROJECT` and
 * `FUNCTION_REGION`. What the environment does not say is asked of the metadata server
 * (https://cloud.google.com/run/docs/container-contract#metadata-server), once, in the
 * background, when the SDK is set up — only on Google Cloud (`K_SERVICE` set). Nothing waits
 * for the answers: until they come, log lines go without Cloud Logging's trace field (which
 * needs the project) and spans without the attributes below. `GCE_METADATA_HOST` points the
 * lookup elsewhere, as it does for Google's client libraries.
 */
export interface GcpFacts {
  project?: string;
  region?: string;
  /** The instance id: `faas.instance`. */
  instance?: string;
}

const facts: GcpFacts = {};
const TIMEOUT_MS = 1000;
let started = false;

/** Project and region from the environment (options > `GOOGLE_CLOUD_*` > the older runtimes' names). */
export function factsFromEnv(env: Env): GcpFacts {
  return {
    project: env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || env.GCP_PROJECT || undefined,
    region: env.GOOGLE_CLOUD_REGION || env.FUNCTION_REGION || undefined,
  };
}

/** What is known so far. */
export function gcpFacts(): Readonly<GcpFacts> {
  return facts;
}

function get(host: string, path: string): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve) => {
    // `host` may carry a port (GCE_METADATA_HOST=127.0.0.1:8080)
    const req = http.get(
      `http://${host}/computeMetadata/v1/${path}`,
      { headers: { 'Metadata-Flavor': 'Google' }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve(res.statusCode === 200 && body.trim() ? body.trim() : undefined));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    req.setTimeout(TIMEOUT_MS, () => req.destroy());
    // a lookup never keeps the process alive
    req.on('socket', (socket) => socket.unref());
  }).catch(() => undefined); // a host that is not a valid URL throws in the executor
}

/** Start the lookup of what the environment did not say (once per process; never rejects). */
export function lookUpMetadata(env: Env): void {
  if (started) return;
  started = true;
  Object.assign(facts, factsFromEnv(env));
  if (!env.K_SERVICE) return;
  const host = env.GCE_METADATA_HOST || env.GCE_METADATA_IP || '169.254.169.254';
  const learn = (key: keyof GcpFacts, path: string, parse: (v: string) => string | undefined = (v) => v) => {
    if (facts[key]) return;
    void get(host, path).then((v) => {
      if (v !== undefined && !facts[key]) facts[key] = parse(v);
    });
  };
  // after the function module has loaded: making the first HTTP client request costs ~3 ms,
  // which the framework's start (and so the cold start) should not wait for
  const later = setImmediate(() => {
    learn('project', 'project/project-id');
    // `projects/123456789/regions/us-central1`
    learn('region', 'instance/region', resourceId);
    learn('instance', 'instance/id');
  });
  later.unref?.();
}

/**
 * The invocation span's attributes for what was learned after the resource was fixed (the
 * collector reads these from a span or its resource alike).
 */
export function learnedAttributes(resource: Readonly<Record<string, unknown>>): Attributes {
  const out: Attributes = {};
  if (facts.project && resource['cloud.account.id'] === undefined) out['cloud.account.id'] = facts.project;
  if (facts.region && resource['cloud.region'] === undefined) out['cloud.region'] = facts.region;
  if (facts.instance && resource['faas.instance'] === undefined) out['faas.instance'] = facts.instance;
  return out;
}
