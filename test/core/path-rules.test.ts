// The path pattern language of token `paths` claims: each pattern form, and malformed patterns.
import { checkPathPatterns, compilePathRules, formatPointer, PathPatternError } from 'tinysync/server';
import { describe, expect, it } from 'vitest';

const rules = (patterns: string[], sub = 'alice') => compilePathRules(checkPathPatterns(patterns), sub);

describe('path patterns', () => {
  it('a literal pattern allows exactly its path', () => {
    const r = rules(['/settings/title']);
    expect(r.allows(['settings', 'title'])).toBe(true);
    expect(r.allows(['settings'])).toBe(false);
    expect(r.allows(['settings', 'title', 'x'])).toBe(false);
    expect(r.allows(['settings', 'theme'])).toBe(false);
    expect(r.allowsBelow(['settings', 'title'])).toBe(false);
  });

  it('* matches one segment: a key or an array item', () => {
    const r = rules(['/kpis/*/count']);
    expect(r.allows(['kpis', 'sales', 'count'])).toBe(true);
    expect(r.allows(['kpis', '*', 'count'])).toBe(true);
    expect(r.allows(['kpis', 'count'])).toBe(false);
    expect(r.allows(['kpis', 'a', 'b', 'count'])).toBe(false);
  });

  it('** matches one or more segments below, and covers all below', () => {
    const r = rules(['/cards/**']);
    expect(r.allows(['cards', '*'])).toBe(true);
    expect(r.allows(['cards', '*', 'title', 'x'])).toBe(true);
    expect(r.allows(['cards'])).toBe(false);
    expect(r.allowsBelow(['cards'])).toBe(true);
    expect(r.allowsBelow(['cards', '*', 'tags'])).toBe(true);
    expect(r.allowsBelow(['settings'])).toBe(false);
    expect(rules(['/**']).allows(['anything', 'at', 'all'])).toBe(true);
  });

  it('{sub} is the token holder, also inside a segment; escapes ~0 ~1 are keys with ~ and /', () => {
    const r = rules(['/kpis/*/{sub}', '/slots/device-{sub}', '/a~1b/~0'], 'bob');
    expect(r.allows(['kpis', 'x', 'bob'])).toBe(true);
    expect(r.allows(['kpis', 'x', 'alice'])).toBe(false);
    expect(r.allows(['kpis', 'x', '{sub}'])).toBe(false);
    expect(r.allows(['slots', 'device-bob'])).toBe(true);
    expect(r.allows(['a/b', '~'])).toBe(true);
    // A sub holding * or / is literal text, never a pattern.
    expect(rules(['/u/{sub}'], '*').allows(['u', 'x'])).toBe(false);
    expect(formatPointer(['a/b', '~', '*'])).toBe('/a~1b/~0/*');
  });

  it('an array position is never matched by a literal index: items are *', () => {
    expect(rules(['/cards/0']).allows(['cards', '*'])).toBe(false);
  });

  it('an empty list allows nothing', () => {
    expect(rules([]).allows(['a'])).toBe(false);
  });

  it('refuses malformed patterns with a PathPatternError naming the pattern', () => {
    for (const bad of ['cards/**', '', '/a/**/b', '/a*', '/a/**x', '/{user}', '/a~2', '/a~', '/{sub', 42, null]) {
      expect(() => checkPathPatterns([bad]), String(bad)).toThrow(PathPatternError);
    }
    expect(() => checkPathPatterns('/cards/**')).toThrow(/array/);
    expect(() => checkPathPatterns(Array.from({ length: 65 }, () => '/a'))).toThrow(/at most 64/);
    expect(() => checkPathPatterns([`/${'a'.repeat(600)}`])).toThrow(/longer than/);
    try {
      checkPathPatterns(['/a/**/b']);
    } catch (err) {
      expect(err).toMatchObject({ code: 'E_PATH_PATTERN', path: ['/a/**/b'] });
    }
  });
});
