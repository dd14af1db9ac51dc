import { describe, expect, it } from 'vitest';
import { formatAttrs, parseAttrs } from '../../dashboards/src/pages/traces.js';

// The Traces page's attribute filter: several key=value, by spaces or commas; a value may hold both.
describe('parseAttrs', () => {
  it('splits filters where the next key= begins', () => {
    expect(parseAttrs('a=1 b=2')).toEqual(['a=1', 'b=2']);
    expect(parseAttrs('a=1, b=2')).toEqual(['a=1', 'b=2']);
    expect(parseAttrs('user_agent.original=Mozilla/5.0 (X11; Linux x86_64) app.tenant.id=acme')).toEqual([
      'user_agent.original=Mozilla/5.0 (X11; Linux x86_64)',
      'app.tenant.id=acme',
    ]);
    expect(parseAttrs('a=1,,b=x y,z')).toEqual(['a=1', 'b=x y,z']);
  });

  it('takes a value in double quotes whole, even with a word=', () => {
    expect(parseAttrs('db.statement="SELECT 1 WHERE id=5" tenant=acme')).toEqual([
      'db.statement=SELECT 1 WHERE id=5',
      'tenant=acme',
    ]);
    expect(parseAttrs('x=""')).toEqual(['x=']);
    // an unclosed quote is part of the value
    expect(parseAttrs('x="open b=2')).toEqual(['x="open', 'b=2']);
  });

  it('passes text that is not key=value on, for the API to name, and nothing for blank text', () => {
    expect(parseAttrs('novalue')).toEqual(['novalue']);
    expect(parseAttrs('junk a=1')).toEqual(['junk', 'a=1']);
    expect(parseAttrs('   ')).toEqual([]);
  });

  it('shows the filters of a URL so that they read back the same', () => {
    const list = ['db.statement=SELECT 1 WHERE id=5', 'user_agent.original=Mozilla/5.0 (X11; Linux)', 'tenant=acme'];
    expect(formatAttrs(list)).toBe(
      'db.statement="SELECT 1 WHERE id=5" user_agent.original=Mozilla/5.0 (X11; Linux) tenant=acme',
    );
    expect(parseAttrs(formatAttrs(list))).toEqual(list);
  });
});
