import { describe, expect, it } from 'vitest';
import { parseRulesText } from '../../../collector/src/alerts/rules-file.js';

// The rules file is validated at start-up; a mistake names the line and the field.
const ok = `
rules:
  - name: Checkout p95
    target: { function: checkout-fn }
    signal: latency_p95
    comparator: ">"
    threshold: 800
    window: 5m
    for: 2m
    excludeColdStarts: true
    channels:
      - { type: slack, url: "https://hooks.slack.example/T000/B000/XXX" }
  - name: Checkout errors
    signal: error_rate
    comparator: ">="
    threshold: 5
`;

describe('rules file', () => {
  it('reads rules with defaults filled in', () => {
    const rules = parseRulesText(ok, 'rules.yaml');
    expect(rules.map((r) => r.id)).toEqual(['checkout-p95', 'checkout-errors']);
    expect(rules[1]).toMatchObject({
      window: '5m',
      interval: '1m',
      for: '0s',
      minSamples: 1,
      noData: 'no_data',
      severity: 'warning',
      channels: [],
    });
  });

  it.each([
    [
      'a wrong comparator',
      ok.replace('comparator: ">="', 'comparator: "=>"'),
      /rules\.yaml:15: \/rules\/1\/comparator: must be one of >, >=, <, <= \(got "=>"\)/,
    ],
    [
      'a misspelt field',
      ok.replace('threshold: 800', 'treshold: 800'),
      /rules\.yaml:3: \/rules\/0: ("threshold" is required|unknown field "treshold")/,
    ],
    [
      'a bad duration',
      ok.replace('window: 5m', 'window: five minutes'),
      /rules\.yaml:8: \/rules\/0\/window: must be a duration such as 30s, 15m, 1h or 7d \(got "five minutes"\)/,
    ],
    [
      'a duplicate id',
      `${ok}  - name: Checkout errors\n    signal: throughput\n    comparator: "<"\n    threshold: 1\n`,
      /\/rules\/2\/id: "checkout-errors" is used by another rule/,
    ],
    ['broken YAML', 'rules:\n  - name: [unclosed\n', /rules\.yaml:\d+: not valid YAML/],
    ['no rules list', 'alerts: []\n', /expected "rules:" to be a list/],
  ])('refuses %s with the line and field', (_what, text, message) => {
    expect(() => parseRulesText(text, 'rules.yaml')).toThrowError(message);
  });
});
