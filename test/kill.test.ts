/**
 * The commit of one article is crash-safe: a run SIGKILLed at each file-system step of an edit (every
 * rename, link and fsync it makes, in turn, injected with strace) and then run again keeps both versions:
 * the article file holds the new text, a revision file holds the earlier one, and the manifest records it.
 *
 * The fs calls run on one libuv thread (UV_THREADPOOL_SIZE=1), so "the n-th rename" is the same step on
 * every run. Skipped, saying so, where strace is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArticle } from '../src/archive/index.ts';
import type { Source } from '../src/domain.ts';
import { runArchive } from '../src/run/index.ts';
import { FileArchive } from '../src/storage/index.ts';
import { tempDir } from '../src/testing/tree.ts';

const hasStrace = spawnSync('strace', ['-V']).status === 0;

const source = (feed: string): Source => ({ slug: 'kill', name: 'kill', feeds: [feed], enabled: true, fullText: 'never' });

const runner = `
import { runArchive } from ${JSON.stringify(new URL('../src/run/index.ts', import.meta.url).pathname)};
const [root, feed] = process.argv.slice(2);
const report = await runArchive({ root, sources: [{ slug: 'kill', name: 'kill', feeds: [feed], enabled: true, fullText: 'never' }] });
process.exitCode = report.ok ? 0 : 3;
`;

function feed(title: string, sentence: string): string {
  const body = `<p>${sentence.repeat(60)}</p>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>kill</title><link>https://kill.example/</link>
<item><guid>https://kill.example/a/1</guid><title>${title}</title><link>https://kill.example/a/1</link>
<pubDate>Thu, 14 Sep 2023 11:27:00 GMT</pubDate><description><![CDATA[${body}]]></description></item>
</channel></rss>`;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function run(script: string, root: string, feedFile: string, inject?: { syscall: string; when: number }): Promise<Outcome> {
  const node = [process.execPath, '--import', 'tsx', script, root, feedFile];
  const [cmd, ...args] = inject
    ? ['strace', '-f', '-o', '/dev/null', '-e', `trace=${inject.syscall}`, '-e', `inject=${inject.syscall}:signal=SIGKILL:when=${inject.when}`, ...node]
    : node;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, { env: { ...process.env, UV_THREADPOOL_SIZE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const killed = (o: Outcome) => o.signal === 'SIGKILL' || o.code === 137 || /killed by SIGKILL/.test(o.stderr);

test('a run killed at any rename, link or fsync of an edit, then run again, keeps both versions', { skip: hasStrace ? false : 'strace is not installed' }, async () => {
  const work = await tempDir();
  const script = path.join(work, 'runner.mts');
  await fs.writeFile(script, runner);
  const feedFile = path.join(work, 'feed.xml');
  const base = path.join(work, 'base');
  await fs.writeFile(feedFile, feed('第一版标题', '第一版的正文。'));
  const first = await run(script, base, feedFile);
  assert.equal(first.code, 0, first.stderr);
  await fs.writeFile(feedFile, feed('第二版标题', '第二版的正文。'));

  // an edit's steps, in order: link 1 takes the lock, link 2 saves the revision, rename 1 replaces the
  // article, the 7th fsync flushes its manifest record (the commit point), rename 2 writes its list page
  const plan: [string, number][] = [['link', 1], ['link', 2], ['rename', 1], ['rename', 2], ...[3, 4, 5, 6, 7, 8].map((n): [string, number] => ['fsync', n])];
  const points: string[] = [];
  for (const [syscall, when] of plan) {
    const at = `${syscall}#${when}`;
    const root = path.join(work, at.replace('#', '-'));
    await fs.cp(base, root, { recursive: true });
    const cut = await run(script, root, feedFile, { syscall, when });
    if (killed(cut)) points.push(at);
    else assert.equal(cut.code, 0, `${at}: a run that was not killed succeeds\n${cut.stderr}`);
    // the next run, in this process
    const again = await runArchive({ root, sources: [source(feedFile)] });
    assert.equal(again.ok, true, `${at}: the run after the kill succeeds: ${again.sources[0]?.errors.join(' | ')}`);
    const store = await new FileArchive(root).source('kill');
    assert.equal(store.size, 1, `${at}: one article`);
    const rec = store.all()[0]!;
    const text = (p: string) => fs.readFile(path.join(root, p), 'utf8').then((t) => parseArticle(t)!);
    assert.equal((await text(rec.path)).title, '第二版标题', `${at}: the article holds the new text`);
    assert.equal(rec.revisions?.length, 1, `${at}: one revision recorded`);
    const old = await text(rec.revisions[0]!.path);
    assert.equal(old.title, '第一版标题', `${at}: the revision holds the earlier text`);
    assert.match(old.contentHtml, /第一版的正文/);
    await fs.rm(root, { recursive: true, force: true });
  }
  // the commit's own steps were among the points killed at
  assert.ok(points.includes('link#2') && points.includes('rename#1') && points.length >= 6, points.join(' '));
  await fs.rm(work, { recursive: true, force: true });
});
