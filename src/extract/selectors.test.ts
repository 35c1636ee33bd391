import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { parseHTML } from 'linkedom';
import { isValidSelector } from './dom.ts';
import { BUILTIN_RULES_DIR, builtinRules } from './index.ts';

// first: nothing in this process has parsed a page yet (linkedom's CommonJS build is the one the stage loads; this file imports its ES build)
test('the built-in rules are read without loading the DOM (linkedom is loaded when a page is parsed)', () => {
  assert.ok(builtinRules().length > 5);
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  assert.deepEqual(loaded.filter((f) => f.includes(`${path.sep}linkedom${path.sep}cjs${path.sep}`)), []);
  isValidSelector('p:not(.x)');
  assert.ok(Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes(`${path.sep}linkedom${path.sep}cjs${path.sep}`)));
});

/** What the DOM itself says of a selector. */
function domAccepts(selector: string): boolean {
  const { document } = parseHTML('<!DOCTYPE html><html><head></head><body><p>x</p></body></html>');
  try {
    document.querySelectorAll(selector);
    return true;
  } catch {
    return false;
  }
}

test('isValidSelector judges every selector as the DOM does', () => {
  const selectors = new Set<string>([
    'div >> p', '.a[', '[x=]', 'p:nth-child(2)', '#1a', 'a,', ',a', 'a , b > c', '[data-x="y z"]', "[a='b']", '*',
    'p.x#y[z]', '.-a', '-', 'a >', '> a', 'a  b', '[a~=b]', '[a|=b]', '[a^="b"] ~ p', 'a:not(.b)', 'p::before', 'a + b', '', 'li:first-child span:last-of-type', 'p:only-child', 'p:first', 'p:last-child()',
  ]);
  for (const name of readdirSync(BUILTIN_RULES_DIR).filter((n) => n.endsWith('.txt'))) {
    for (const line of readFileSync(path.join(BUILTIN_RULES_DIR, name), 'utf8').split('\n')) {
      const m = /^(?:body|title|author|date|image|strip|single_page_link)\s*:\s*(.+)$/i.exec(line);
      if (m) selectors.add(m[1]!.trim());
    }
  }
  assert.ok(selectors.size > 60);
  for (const s of selectors) assert.equal(isValidSelector(s), domAccepts(s), JSON.stringify(s));
});
