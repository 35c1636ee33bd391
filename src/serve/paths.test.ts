/** The path guard, the asset pattern, reading inside a folder, and snippets as HTML. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/tree.ts';
import { readInside } from './files.ts';
import { BadPath, assetOf, isStaticName, sitePath, staticType } from './paths.ts';
import { snippetHtml } from './search.ts';

test('sitePath: plain paths become names, decoded once', () => {
  assert.deepEqual(sitePath('/'), { segments: [''], path: '' });
  assert.deepEqual(sitePath('/a/rfi/abcdefghij.html'), { segments: ['a', 'rfi', 'abcdefghij.html'], path: 'a/rfi/abcdefghij.html' });
  assert.deepEqual(sitePath('/s/rfi/'), { segments: ['s', 'rfi', ''], path: 's/rfi/' });
  // decoded once: a double-encoded dot segment is the literal name `%2e%2e`, which names nothing
  assert.deepEqual(sitePath('/static/%252e%252e/x').segments, ['static', '%2e%2e', 'x']);
  assert.deepEqual(sitePath('/%E6%99%AE%E4%BA%AC').segments, ['普京']);
});

test('sitePath: dot segments, separators, control characters and bad UTF-8 are refused', () => {
  const refused = [
    '/..',
    '/static/..',
    '/static/%2e%2e/x',
    '/static/%2E%2e/x',
    '/static/.%2e/x',
    '/static/%2e/x',
    '/static/..%2fpackage.json',
    '/static/%2f',
    '/static/..%5cpackage.json',
    '/static/a\\b',
    '/static/%00',
    '/static/site.css%00.js',
    '/static/%0a',
    '/static/%7f',
    '/static/%c0%ae%c0%ae/x', // overlong '.'
    '/static/%c0%af', // overlong '/'
    '/static/%e0%80%ae', // overlong '.', three bytes
    '/static/%ed%a0%80', // an encoded surrogate
    '/static/%ff',
    '/static/%zz',
    '/static/%',
    '/static//x',
    '//etc/passwd',
    'static/x',
  ];
  for (const p of refused) assert.throws(() => sitePath(p), BadPath, p);
});

test('static names: plain file names only', () => {
  assert.equal(isStaticName(['site.css']), true);
  assert.equal(isStaticName(['fonts', 'a-b_c.woff2']), true);
  for (const names of [[], [''], ['.hidden'], ['..'], ['a b.css'], ['%2e%2e'], ['site.css', ''], ['普京.css']]) assert.equal(isStaticName(names), false, JSON.stringify(names));
  assert.equal(staticType('site.css'), 'text/css; charset=utf-8');
  assert.equal(staticType('search.js'), 'text/javascript; charset=utf-8');
  assert.equal(staticType('x.unknown'), 'application/octet-stream');
});

test('assets: only content-addressed image names, with their types', () => {
  const h = 'ab' + '0123456789abcdef'.repeat(4).slice(2);
  assert.equal(h.length, 64);
  assert.deepEqual(assetOf(`assets/ab/${h}.jpg`), { file: `assets/ab/${h}.jpg`, type: 'image/jpeg' });
  assert.equal(assetOf(`assets/ab/${h}.webp`)?.type, 'image/webp');
  assert.equal(assetOf(`assets/ab/${h}.avif`)?.type, 'image/avif');
  for (const p of [
    `assets/cd/${h}.jpg`, // the folder is not the name's prefix
    `assets/ab/${h.toUpperCase()}.jpg`,
    `assets/ab/${h}.svg`,
    `assets/ab/${h}.html`,
    `assets/ab/${h.slice(0, 63)}.jpg`,
    `assets/ab/${h}0.jpg`,
    `assets/ab/${h}.jpg/x`,
    `assets/${h}.jpg`,
    `x/assets/ab/${h}.jpg`,
  ]) {
    assert.equal(assetOf(p), null, p);
  }
});

test('readInside: regular files inside the folder only, links resolved', async () => {
  const dir = await tempDir();
  const site = path.join(dir, 'site');
  await fs.mkdir(path.join(site, 'sub'), { recursive: true });
  await fs.writeFile(path.join(site, 'sub', 'a.txt'), 'inside');
  await fs.writeFile(path.join(dir, 'secret.txt'), 'outside');
  await fs.symlink(path.join(dir, 'secret.txt'), path.join(site, 'out.txt'));
  await fs.symlink('sub/a.txt', path.join(site, 'in.txt'));
  await fs.symlink(dir, path.join(site, 'up'));
  assert.equal((await readInside(site, ['sub', 'a.txt']))?.toString(), 'inside');
  assert.equal((await readInside(site, ['in.txt']))?.toString(), 'inside', 'a link that stays inside is followed');
  assert.equal(await readInside(site, ['out.txt']), null, 'a link out of the folder');
  assert.equal(await readInside(site, ['up', 'secret.txt']), null, 'a linked folder out of the folder');
  assert.equal(await readInside(site, ['..', 'secret.txt']), null);
  assert.equal(await readInside(site, [path.join(dir, 'secret.txt')]), null, 'an absolute name');
  assert.equal(await readInside(site, ['sub']), null, 'a folder is not listed');
  assert.equal(await readInside(site, []), null);
  assert.equal(await readInside(site, ['nothing.txt']), null);
});

test('snippetHtml: the text escaped, the highlights marked, astral characters counted as one', () => {
  assert.equal(snippetHtml({ text: '<b>普京</b> & 金正恩', highlights: [[3, 5]] }), '&lt;b&gt;<mark>普京</mark>&lt;/b&gt; &amp; 金正恩');
  assert.equal(snippetHtml({ text: '𠮷野家的"普京"', highlights: [[5, 7]] }), '𠮷野家的&quot;<mark>普京</mark>&quot;');
  assert.equal(snippetHtml({ text: 'a<mark>b', highlights: [] }), 'a&lt;mark&gt;b');
});
