import { readFileSync } from 'node:fs';

/**
 * A Worker's wrangler.toml as Miniflare options, so a test runs the example with the settings it
 * deploys with. Miniflare does not read wrangler.toml (wrangler does, and is not a dependency
 * here), so this reads the part of TOML those files use: `[table]` and `[[array.of.tables]]`
 * headers, and `key = value` lines whose value is a string, number, boolean or a one-line array
 * of those. Anything else is an error, never silently skipped.
 */
type Value = string | number | boolean | Value[];
type Table = { [key: string]: Value | Table | Table[] };

function parseValue(raw: string, where: string): Value {
  const text = raw.trim();
  if (text.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
    if (!m) throw new Error(`${where}: not a one-line string: ${text}`);
    return JSON.parse(`"${m[1]}"`);
  }
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new Error(`${where}: not a one-line array: ${text}`);
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    // strings in these arrays hold no commas (flags, crons)
    return inner
      .split(',')
      .filter((item) => item.trim() !== '')
      .map((item) => parseValue(item, where));
  }
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text.replace(/_/g, ''));
  if (text !== '' && Number.isFinite(n)) return n;
  throw new Error(`${where}: a value this reader does not know: ${text}`);
}

/** Drops a `#` comment that is not inside a string. */
function withoutComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && line[i - 1] !== '\\') inString = !inString;
    else if (c === '#' && !inString) return line.slice(0, i);
  }
  return line;
}

export function parseToml(text: string, file = 'wrangler.toml'): Table {
  const root: Table = {};
  let current = root;
  text.split('\n').forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = withoutComment(raw).trim();
    if (line === '') return;
    const header = /^(\[\[?)\s*([A-Za-z0-9_.-]+)\s*(\]\]?)$/.exec(line);
    if (header) {
      const path = header[2]!.split('.');
      const last = path.pop()!;
      let parent = root;
      for (const key of path) {
        parent[key] ??= {};
        parent = parent[key] as Table;
      }
      if (header[1] === '[[') {
        parent[last] ??= [];
        current = {};
        (parent[last] as Table[]).push(current);
      } else {
        parent[last] ??= {};
        current = parent[last] as Table;
      }
      return;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) throw new Error(`${where}: a line this reader does not know: ${line}`);
    current[pair[1]!] = parseValue(pair[2]!, where);
  });
  return root;
}

export interface WranglerConfig {
  name: string;
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** `[vars]`: the Worker's plain-text bindings. */
  vars: Record<string, string>;
  /** Binding name → queue name. */
  queueProducers: Record<string, string>;
  /** Queue name → Miniflare's consumer options. */
  queueConsumers: Record<string, { maxBatchSize?: number; maxBatchTimeout?: number; maxRetries?: number }>;
  crons: string[];
}

export function readWranglerToml(file: string): WranglerConfig {
  const t = parseToml(readFileSync(file, 'utf8'), file);
  const queues = (t.queues ?? {}) as { producers?: Table[]; consumers?: Table[] };
  const triggers = (t.triggers ?? {}) as { crons?: string[] };
  return {
    name: t.name as string,
    main: t.main as string,
    compatibilityDate: t.compatibility_date as string,
    compatibilityFlags: (t.compatibility_flags as string[] | undefined) ?? [],
    vars: Object.fromEntries(Object.entries((t.vars ?? {}) as Table).map(([k, v]) => [k, String(v)])),
    queueProducers: Object.fromEntries((queues.producers ?? []).map((p) => [p.binding as string, p.queue as string])),
    queueConsumers: Object.fromEntries(
      (queues.consumers ?? []).map((c) => [
        c.queue as string,
        {
          maxBatchSize: c.max_batch_size as number | undefined,
          maxBatchTimeout: c.max_batch_timeout as number | undefined,
          maxRetries: c.max_retries as number | undefined,
        },
      ]),
    ),
    crons: triggers.crons ?? [],
  };
}
