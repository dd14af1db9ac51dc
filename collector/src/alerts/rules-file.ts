import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { invalidOption } from '../errors.js';
import { type AlertRule, parseRule, RuleError } from './rule.js';

/**
 * `--alert-rules rules.yaml`: a YAML (or JSON) file with `rules: [...]`, validated at
 * start-up. A mistake stops the collector with a message that names the file, line and
 * field, e.g. `rules.yaml:12: /rules/1/comparator: must be equal to one of the allowed
 * values: >, >=, <, <=`.
 */
export function loadRulesFile(path: string): AlertRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalidOption(
      '--alert-rules',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseRulesText(text, path);
}

export function parseRulesText(text: string, name: string): AlertRule[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const fail = (offset: number | undefined, message: string): never => {
    const line = offset === undefined ? 1 : lines.linePos(offset).line;
    throw invalidOption('--alert-rules', `${name}:${line}: ${message}`);
  };
  if (doc.errors.length > 0) fail(doc.errors[0]!.pos[0], `not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const root = doc.contents;
  if (!isMap(root)) fail(undefined, 'expected a mapping with a "rules" list');
  const list = doc.get('rules', true);
  if (!isSeq(list)) fail((root as { range?: number[] }).range?.[0], 'expected "rules:" to be a list');
  const plain = doc.toJS() as { rules: unknown[] };
  const rules: AlertRule[] = [];
  const ids = new Set<string>();
  plain.rules.forEach((r, i) => {
    try {
      const rule = parseRule(r, `/rules/${i}`);
      if (ids.has(rule.id))
        throw new RuleError(`/rules/${i}/id: "${rule.id}" is used by another rule`, `/rules/${i}/id`);
      ids.add(rule.id);
      rules.push(rule);
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      // find the YAML node the pointer names, for its line
      const parts = err.path.split('/').filter(Boolean);
      let node = doc.getIn(
        parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        true,
      ) as { range?: number[] } | undefined;
      while (!node && parts.length > 0) {
        parts.pop();
        node = doc.getIn(
          parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
          true,
        ) as { range?: number[] } | undefined;
      }
      fail(node?.range?.[0], err.message);
    }
  });
  return rules;
}
