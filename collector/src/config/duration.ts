const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/**
 * Milliseconds of a duration as options, query parameters and alert rules write it: a number
 * and one unit, `30s`, `15m`, `1.5h`, `7d`. `undefined` for anything else, so that each caller
 * says what is wrong in its own terms (an option, a query parameter, a rule's field).
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
  // beyond 10,000 years is a mistake whatever the caller: not a duration
  return ms <= 3.2e14 ? ms : undefined;
}
