import { isMap, isSeq } from 'yaml';
import { parseYamlText, readYamlFile, type YamlFile } from '../config/option-files.js';
import { badRule, isError } from '../errors.js';
import { type AlertRule, parseRule } from './rule.js';

/**
 * `--alert-rules rules.yaml`: a YAML (or JSON) file with `rules: [...]`, validated at
 * start-up. A mistake stops the collector with a message that names the file, line and
 * field, e.g. `rules.yaml:12: /rules/1/comparator: must be equal to one of the allowed
 * values: >, >=, <, <=`.
 */
export function loadRulesFile(path: string): AlertRule[] {
  return rulesOf(readYamlFile(path, '--alert-rules'));
}

export function parseRulesText(text: string, name: string): AlertRule[] {
  return rulesOf(parseYamlText(text, name, '--alert-rules'));
}

function rulesOf({ doc, data, fail }: YamlFile): AlertRule[] {
  if (!isMap(doc.contents)) fail(undefined, 'expected a mapping with a "rules" list');
  if (!isSeq(doc.get('rules', true))) fail('', 'expected "rules:" to be a list');
  const plain = data as { rules: unknown[] };
  const rules: AlertRule[] = [];
  const ids = new Set<string>();
  plain.rules.forEach((r, i) => {
    try {
      const rule = parseRule(r, `/rules/${i}`);
      if (ids.has(rule.id)) throw badRule(`/rules/${i}/id: "${rule.id}" is used by another rule`, `/rules/${i}/id`);
      ids.add(rule.id);
      rules.push(rule);
    } catch (err) {
      if (!isError(err, 'BAD_RULE')) throw err;
      fail(err.field, err.message);
    }
  });
  return rules;
}
