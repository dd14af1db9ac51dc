// Prints a trace as the collector's query API answers it (`GET /api/traces/:id`, its journey and
// its logs) as a waterfall in the terminal: one row per span, depth-first, with a time bar, the
// service, the platform it ran on, and what the dashboard marks (cold start and init, errors,
// HTTP statuses, message ids).

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
export const dim = (s) => paint(2, s);
export const bold = (s) => paint(1, s);
export const red = (s) => paint(31, s);
export const cyan = (s) => paint(36, s);
export const yellow = (s) => paint(33, s);

const PLATFORMS = {
  aws_lambda: 'AWS Lambda',
  gcp_cloud_functions: 'Google Cloud Run functions',
  gcp_cloud_run: 'Google Cloud Run',
  'cloudflare.workers': 'Cloudflare Workers',
  azure_functions: 'Azure Functions',
};

/** The platform a span ran on, from its resource's `cloud.platform` / `cloud.provider`. */
export function platformOf(resource = {}) {
  const platform = resource['cloud.platform'];
  return PLATFORMS[platform] ?? platform ?? resource['cloud.provider'] ?? '';
}

const WIDTH = 28;

/**
 * The waterfall's lines for a trace view. Assumes `view.spans` is in depth-first order with
 * `depth` set, as the API answers it; virtual parents (orphans' placeholders) are skipped.
 */
export function waterfallLines(view) {
  const spans = view.spans.filter((s) => !s.virtual);
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const total = Math.max(end - start, 0.001);
  return spans.map((s) => {
    const from = Math.min(WIDTH - 1, Math.floor(((s.startMs - start) / total) * WIDTH));
    const len = Math.max(1, Math.min(WIDTH - from, Math.round((s.durationMs / total) * WIDTH)));
    const bar = `${' '.repeat(from)}${'█'.repeat(len)}`.padEnd(WIDTH);
    const a = s.attributes;
    const badges = [];
    if (a['faas.coldstart'] === 'true' || a['faas.coldstart'] === true)
      badges.push(
        yellow(
          a['fntrace.init_duration_ms'] === undefined
            ? 'cold start' // a Worker's isolate has no init phase of its own to measure
            : `cold start, init ${Math.round(Number(a['fntrace.init_duration_ms']))} ms`,
        ),
      );
    if (s.status.code === 'Error') badges.push(red(`error${s.status.message ? `: ${s.status.message}` : ''}`));
    if (a['http.response.status_code']) badges.push(`HTTP ${a['http.response.status_code']}`);
    if (a['messaging.message.id']) badges.push(dim(`msg ${String(a['messaging.message.id']).slice(0, 8)}`));
    const name = `${'  '.repeat(s.depth)}${s.name}`.slice(0, 36).padEnd(36);
    return `  ${dim(bar)} ${name} ${cyan(s.service.padEnd(13))} ${platformOf(s.resource).padEnd(26)} ${s.durationMs
      .toFixed(1)
      .padStart(7)} ms  ${badges.join('  ')}`;
  });
}

/** One line per hop of a journey that crossed a queue or topic: where, and how long the message waited. */
export function hopLines(journey) {
  return journey.edges
    .filter((e) => e.kind === 'message')
    .map(
      (e) =>
        `  ${e.destination ?? 'message'} ${dim(`msg ${String(e.messageId ?? '').slice(0, 8)}`)} waited ${Math.round(e.dwellMs ?? 0)} ms`,
    );
}

/** The log lines of a trace, each with the span (and service) it belongs to. */
export function logLines(logs) {
  return logs.map((l) => {
    const level = l.severityText?.toLowerCase() ?? '';
    const shown = level === 'error' ? red(level) : level === 'warn' ? yellow(level) : level;
    return `  ${cyan(String(l.service ?? '').padEnd(13))} ${shown.padEnd(5)} ${l.body} ${dim(`span ${String(l.spanId).slice(0, 8)}`)}`;
  });
}
