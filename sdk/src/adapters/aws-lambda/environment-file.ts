import { readFileSync, writeFileSync } from 'node:fs';
import { report } from '../../core/diagnostics.js';
import type { Env } from '../../core/env.js';
import type { EnvironmentMemory, EnvironmentRecord } from '../../core/environment.js';
import { ERROR_CODES } from '../../core/errors.js';

/**
 * Lambda's environment memory (see core/environment.ts): a small file in `/tmp`, which a reset
 * of the environment (a new runtime process after a timeout or crash) does not clear — AWS:
 * "The Lambda reset doesn't clear the /tmp directory content prior to the next init"
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html). So the new
 * process goes on numbering where the old one stopped, and the invocation the old one never
 * reported is a gap the collector can see.
 *
 * The file is `FNTRACE_ENVIRONMENT_FILE` when set; else `/tmp/.fntrace-environment` inside
 * Lambda itself (`AWS_LAMBDA_RUNTIME_API` set); else none, and each process numbers afresh
 * (local emulators share one `/tmp` between unrelated "environments"). One write of a few bytes
 * per invocation start.
 */
export function lambdaEnvironmentMemory(env: Env): EnvironmentMemory | undefined {
  const file = env.FNTRACE_ENVIRONMENT_FILE || (env.AWS_LAMBDA_RUNTIME_API ? '/tmp/.fntrace-environment' : undefined);
  if (!file) return undefined;
  let failed = false;
  return {
    load(): EnvironmentRecord | undefined {
      try {
        const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<EnvironmentRecord>;
        if (typeof r.id === 'string' && /^[0-9a-f]{16}$/.test(r.id) && Number.isSafeInteger(r.sequence))
          return { id: r.id, sequence: Math.max(0, r.sequence as number) };
      } catch {
        // no file yet (a new environment), or one this SDK did not write: start afresh
      }
      return undefined;
    },
    save(record: EnvironmentRecord): void {
      try {
        writeFileSync(file, JSON.stringify(record));
      } catch (err) {
        if (failed) return;
        failed = true;
        report(
          ERROR_CODES.INTERNAL,
          `cannot keep the environment's invocation count in ${file}: ${(err as Error).message}`,
        );
      }
    },
  };
}
