import { describe, expect, it } from 'vitest';
import { parseAttrs } from '../../dashboards/src/pages/traces.js';

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

  it('passes text that is not key=value on, for the API to name, and nothing for blank text', () => {
    expect(parseAttrs('novalue')).toEqual(['novalue']);
    expect(parseAttrs('junk a=1')).toEqual(['junk', 'a=1']);
    expect(parseAttrs('   ')).toEqual([]);
  });
});
