import type { LogLineIds } from '../../core/setup.js';
import { gcpFacts } from './metadata.js';

/**
 * The fields Cloud Logging reads from a JSON line on stdout
 * (https://cloud.google.com/logging/docs/structured-logging#special-payload-fields), so the
 * log viewer shows each line's severity and puts it under its trace and span:
 *
 * - `severity` from pino's level: trace and debug → `DEBUG`, info → `INFO`, warn → `WARNING`,
 *   error → `ERROR`, fatal → `CRITICAL`;
 * - `logging.googleapis.com/trace`: `projects/<project>/traces/<trace id>` (only once the project
 *   is known: see metadata.ts), `logging.googleapis.com/spanId` (16 hex digits) and
 *   `logging.googleapis.com/trace_sampled`.
 *
 * Cloud Logging moves these fields out of the payload, so fntrace's own `level`, `trace_id` and
 * `span_id` stay beside them for every other reader of the line.
 */
function severity(level: number): string {
  if (level >= 60) return 'CRITICAL';
  if (level >= 50) return 'ERROR';
  if (level >= 40) return 'WARNING';
  if (level >= 30) return 'INFO';
  return 'DEBUG';
}

export function cloudLoggingFields(line: LogLineIds): Record<string, unknown> {
  const out: Record<string, unknown> = { severity: severity(line.level) };
  if (line.traceId) {
    const project = gcpFacts().project;
    if (project) out['logging.googleapis.com/trace'] = `projects/${project}/traces/${line.traceId}`;
    out['logging.googleapis.com/spanId'] = line.spanId;
    out['logging.googleapis.com/trace_sampled'] = line.sampled === true;
  }
  return out;
}
