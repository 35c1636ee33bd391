/**
 * Hostile items end to end through the CLI: a lone surrogate, a link that tries to end the Markdown link,
 * a javascript: link, a bidi override in a title, a date before 1970. The source stays healthy, its list
 * and README are written, and every header the archive holds reads back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { parseArticle } from '../src/archive/index.ts';
import { listFiles, tempDir } from '../src/testing/tree.ts';

const FEED = `{"version":"https://jsonfeed.org/version/1.1","title":"Hostile","home_page_url":"https://hostile.example/","items":[
{"id":"s1","url":"https://hostile.example/1","title":"坏\\ud800标题","content_html":"<p>一</p>","date_published":"2024-01-02T03:04:05Z"},
{"id":"s2","url":"http://host/p)[Login](https://evil.example/)","title":"注入","content_html":"<p>二</p>","date_published":"2024-01-02T03:05:05Z"},
{"id":"s3","url":"javascript:alert(1)","title":"脚本","content_html":"<p>三</p>","date_published":"2024-01-02T03:06:05Z"},
{"id":"s4","url":"https://hostile.example/4","title":"photo\\u202egpj.exe","content_html":"<p>四</p>","date_published":"1900-01-01T00:00:00Z"}
]}`;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

test('hostile items: archived safely, the source stays ok on every run, every header reads back', async () => {
  const dir = await tempDir();
  const feed = path.join(dir, 'hostile.json');
  await fs.writeFile(feed, FEED);
  const root = path.join(dir, 'archive');
  const started = Date.now();
  for (let run = 0; run < 3; run++) {
    const c = capture();
    assert.equal(await main(['node', 'newsvault', 'run', '--archive', root, '--feed', feed, '--json'], c.io), 0, c.err.join(''));
    const report = JSON.parse(c.out.join(''));
    assert.equal(report.sources[0].status, 'ok', JSON.stringify(report.sources[0].errors));
    if (run === 0) {
      assert.equal(report.sources[0].new, 4);
      const warnings = report.sources[0].warnings.join('\n');
      assert.match(warnings, /lone surrogates/);
      assert.match(warnings, /"脚本": the link "javascript:alert\(1\)" is a javascript: URL, not http\(s\); archived without a link/);
      assert.match(warnings, /publication date 1900-01-01T00:00:00\.000Z is before 1970/);
    } else {
      assert.equal(report.sources[0].unchanged, 4, 'a later run finds nothing new or changed');
    }
  }
  const files = await listFiles(root);
  const articles = files.filter((f) => f.startsWith('articles/') && f.endsWith('.md'));
  assert.equal(articles.length, 4);
  const byTitle = new Map<string, { link: string; published: number }>();
  for (const f of articles) {
    assert.doesNotMatch(f, /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/, 'no bidi control in a file name');
    const fields = parseArticle(await fs.readFile(path.join(root, f), 'utf8'));
    assert.ok(fields, `${f} reads back`);
    byTitle.set(fields.title, fields);
  }
  assert.equal(byTitle.get('坏\ufffd标题')?.link, 'https://hostile.example/1');
  assert.equal(byTitle.get('注入')?.link, 'http://host/p%29[Login]%28https://evil.example/%29');
  assert.equal(byTitle.get('脚本')?.link, '');
  const bidi = byTitle.get('photo\u202egpj.exe');
  assert.ok(bidi, 'the article file keeps the title as given');
  assert.ok(bidi.published >= started - 1000 && bidi.published <= Date.now(), 'a date before 1970 is replaced by the time first seen');
  assert.ok(files.includes('lists/hostile.md') || files.some((f) => f.startsWith('lists/')), files.join('\n'));
  const list = await fs.readFile(path.join(root, files.find((f) => f.startsWith('lists/'))!), 'utf8');
  assert.equal(list.match(/^\d+-\d+ \[/gm)?.length, 4, list);
  assert.doesNotMatch(list, /[\u202a-\u202e\u2066-\u2069]/);
  const readme = await fs.readFile(path.join(root, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/\]\((\/lists\/[^)]+)\)/g)) {
    assert.ok(files.includes(decodeURIComponent(m[1]!.slice(1))), `README link ${m[1]} leads to a file`);
  }
});
