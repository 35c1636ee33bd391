import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BACKOFF_MAX_MS,
  backoffUntil,
  emptyState,
  formatAge,
  isDue,
  parseState,
  recordAttempt,
  rememberValidators,
  serializeState,
  statusJson,
  validatorsFor,
  type HealthState,
} from './index.ts';
import { renderStatusTable } from '../cli/render.ts';
import { FileState } from '../storage/index.ts';

const statePath = (root: string) => path.join(root, '.newsvault', 'state.json');
const saveState = (root: string, s: HealthState) => new FileState(root).saveHealth(s);
const loadState = async (root: string) => {
  const { value, warning } = await new FileState(root).loadHealth();
  return { state: value, warning };
};

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse('2025-03-01T12:00:00Z');

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'newsvault-health-'));
  dirs.push(d);
  return d;
}

test('backoffUntil: nothing for the first failures, then 1 h doubling to 24 h', () => {
  assert.equal(backoffUntil(0, T0), T0);
  assert.equal(backoffUntil(2, T0), T0);
  assert.deepEqual(
    [3, 4, 5, 6, 7, 8, 9, 50, 5000].map((n) => (backoffUntil(n, T0) - T0) / H),
    [1, 2, 4, 8, 16, 24, 24, 24, 24],
  );
});

test('recordAttempt: failures count up, set the error and the backoff; a success resets them', () => {
  let s = emptyState();
  const fail = { ok: false, httpStatus: 503, error: 'http://x.example/rss: HTTP 503 Service Unavailable (after 3 attempts)' };
  s = recordAttempt(s, 'rfi', fail, T0);
  let h = s.sources.rfi!;
  assert.equal(h.consecutiveFailures, 1);
  assert.equal(h.lastAttempt, T0);
  assert.equal(h.lastSuccess, null);
  assert.equal(h.lastStatus, 503);
  assert.equal(h.lastError, fail.error);
  assert.equal(h.failingSince, T0);
  assert.equal(h.nextAttemptAfter, null, 'polled again next run');
  s = recordAttempt(s, 'rfi', { ok: false, httpStatus: null, error: 'could not connect\n   at stack line' }, T0 + H);
  s = recordAttempt(s, 'rfi', fail, T0 + 2 * H);
  h = s.sources.rfi!;
  assert.equal(h.consecutiveFailures, 3);
  assert.equal(h.failingSince, T0, 'the run of failures began at the first');
  assert.equal(h.nextAttemptAfter, T0 + 3 * H, 'third failure: wait an hour');
  assert.equal(isDue(s, 'rfi', T0 + 2.5 * H), false);
  assert.equal(isDue(s, 'rfi', T0 + 3 * H), true);
  assert.equal(isDue(s, 'rfi', T0 + 2.5 * H, { force: true }), true);

  s = recordAttempt(s, 'rfi', { ok: true, httpStatus: 200, newArticles: 4 }, T0 + 4 * H);
  h = s.sources.rfi!;
  assert.equal(h.consecutiveFailures, 0);
  assert.equal(h.lastSuccess, T0 + 4 * H);
  assert.equal(h.lastNewArticle, T0 + 4 * H);
  assert.equal(h.failingSince, null);
  assert.equal(h.nextAttemptAfter, null);
  assert.equal(h.lastFailure, T0 + 2 * H, 'the last failure is remembered');

  s = recordAttempt(s, 'rfi', { ok: true, httpStatus: 304, newArticles: 0 }, T0 + 5 * H);
  assert.equal(s.sources.rfi!.lastNewArticle, T0 + 4 * H, 'a 304 brings no new article');
  assert.equal(s.sources.rfi!.lastStatus, 304);
});

test('recordAttempt is pure; error lines are flattened; Retry-After can lengthen the wait', () => {
  const s0 = emptyState();
  const s1 = recordAttempt(s0, 'bbc', { ok: false, error: 'a\n    at b' }, T0);
  assert.deepEqual(s0, emptyState(), 'the input state is untouched');
  assert.equal(s1.sources.bbc!.lastError, 'a at b');
  const s2 = recordAttempt(s1, 'bbc', { ok: false, httpStatus: 429, error: 'HTTP 429', retryAfterMs: 6 * H }, T0);
  assert.equal(s2.sources.bbc!.nextAttemptAfter, T0 + 6 * H, 'the server asked for 6 h');
  const s3 = recordAttempt(s1, 'bbc', { ok: false, httpStatus: 429, retryAfterMs: 30 * D }, T0);
  assert.equal(s3.sources.bbc!.nextAttemptAfter, T0 + BACKOFF_MAX_MS, 'at most a day');
  assert.equal(isDue(emptyState(), 'never-seen', T0), true);
});

test('validators: kept per feed URL; a 200 replaces them, a 304 keeps and updates them', () => {
  let s = emptyState();
  const url = 'https://www.rfi.fr/cn/rss';
  assert.equal(validatorsFor(s, url), undefined);
  s = rememberValidators(s, url, { notModified: false, etag: '"a"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' });
  assert.deepEqual(validatorsFor(s, url), { etag: '"a"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' });
  s = rememberValidators(s, url, { notModified: true });
  assert.deepEqual(validatorsFor(s, url), { etag: '"a"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' }, 'a bare 304 keeps them');
  s = rememberValidators(s, url, { notModified: true, etag: '"b"' });
  assert.equal(validatorsFor(s, url)?.etag, '"b"');
  s = rememberValidators(s, url, { notModified: false, lastModified: 'Thu, 02 Jan 2025 00:00:00 GMT' });
  assert.deepEqual(validatorsFor(s, url), { lastModified: 'Thu, 02 Jan 2025 00:00:00 GMT' }, 'a 200 without ETag drops the old one');
  s = rememberValidators(s, url, { notModified: false });
  assert.equal(validatorsFor(s, url), undefined);
  assert.deepEqual(s.feeds, {});
});

test('state.json: saved atomically under .newsvault/, read back equal; ISO times on disk', async () => {
  const root = await tempDir();
  let s = emptyState();
  s = rememberValidators(s, 'https://a.example/rss', { notModified: false, etag: 'W/"1"' });
  s = recordAttempt(s, 'a', { ok: true, httpStatus: 200, newArticles: 1 }, T0);
  s = recordAttempt(s, 'b', { ok: false, httpStatus: null, error: 'could not connect to b.example:443 (connection refused)' }, T0);
  await saveState(root, s);
  assert.equal(statePath(root), path.join(root, '.newsvault', 'state.json'));
  const text = await fs.readFile(statePath(root), 'utf8');
  assert.match(text, /"lastAttempt": "2025-03-01T12:00:00.000Z"/);
  assert.deepEqual(await fs.readdir(path.join(root, '.newsvault', 'tmp')), [], 'no temporary file left');
  assert.equal(await fs.readFile(path.join(root, '.newsvault', '.gitignore'), 'utf8'), '*\n', 'the folder is git-ignored');
  assert.deepEqual((await fs.readdir(root)).sort(), ['.newsvault'], 'nothing in the tracked tree');
  const loaded = await loadState(root);
  assert.equal(loaded.warning, null);
  assert.deepEqual(loaded.state, s);
  assert.equal(serializeState(loaded.state), text, 'stable output');
});

test('state.json: missing → empty; damaged → empty with a warning, never a crash', async () => {
  const root = await tempDir();
  assert.deepEqual(await loadState(root), { state: emptyState(), warning: null });
  for (const text of ['{not json', '[]', '{"version": 2}', 'null']) {
    const r = parseState(text, 'state.json');
    assert.deepEqual(r.state, emptyState(), text);
    assert.match(r.warning ?? '', /^state\.json is not (valid JSON|a Newsvault state file)/, text);
  }
  // Odd field values are dropped, the rest is kept.
  const r = parseState(JSON.stringify({ version: 1, sources: { x: { lastAttempt: 'yesterday?', consecutiveFailures: -3, lastError: 5, lastSuccess: '2025-03-01T12:00:00Z' } }, feeds: { u: 'bad' } }));
  assert.equal(r.warning, null);
  assert.equal(r.state.sources.x!.lastAttempt, null);
  assert.equal(r.state.sources.x!.consecutiveFailures, 0);
  assert.equal(r.state.sources.x!.lastError, null);
  assert.equal(r.state.sources.x!.lastSuccess, T0);
  assert.deepEqual(r.state.feeds, {});
});

test('formatAge', () => {
  assert.equal(formatAge(null, T0), 'never');
  assert.equal(formatAge(T0 - 2000, T0), 'just now');
  assert.equal(formatAge(T0 - 45_000, T0), '45s ago');
  assert.equal(formatAge(T0 - 12 * 60_000, T0), '12m ago');
  assert.equal(formatAge(T0 - 5 * H, T0), '5h ago');
  assert.equal(formatAge(T0 - 36 * H, T0), '36h ago');
  assert.equal(formatAge(T0 - 3 * D, T0), '3d ago');
  assert.equal(formatAge(T0 + 2 * H, T0), 'in 2h');
});

function sampleState(): HealthState {
  let s = emptyState();
  s = recordAttempt(s, 'rfi', { ok: true, httpStatus: 200, newArticles: 3 }, T0 - 2 * H);
  // bbc: failing for 3 days, 5 failures in a row, the last an hour ago
  for (const t of [T0 - 3 * D, T0 - 2 * D, T0 - D, T0 - 3 * H, T0 - H]) {
    s = recordAttempt(s, 'bbc', { ok: false, httpStatus: 503, error: 'https://feeds.bbci.co.uk/zhongwen/simp/rss.xml: HTTP 503 Service Unavailable (after 3 attempts)' }, t);
  }
  // voa: failed once an hour ago
  s = recordAttempt(s, 'voa', { ok: true, httpStatus: 200 }, T0 - 5 * H);
  s = recordAttempt(s, 'voa', { ok: false, httpStatus: null, error: 'timed out waiting for response headers (no response within 15s)' }, T0 - H);
  return s;
}

const SOURCES = [
  { slug: 'rfi', name: 'RFI' },
  { slug: 'bbc', name: 'BBC' },
  { slug: 'voa', name: 'VOA' },
  { slug: 'dw', name: 'DW' },
  { slug: 'cdt', name: 'CDT', enabled: false },
];

test('renderStatusTable: ages, the HTTP status, failures, errors, and FAILING for a source down for days', () => {
  const out = renderStatusTable(sampleState(), SOURCES, T0);
  const line = (slug: string) => out.split('\n').find((l) => l.includes(` ${slug} `)) ?? '';
  assert.match(out, /source.*health.*last success.*last attempt.*HTTP.*failures.*last error.*next attempt/);
  assert.match(line('rfi'), /│ rfi\s+│ ok\s+│ 2h ago\s+│ 2h ago\s+│ 200\s+│ 0\s+│ —/);
  assert.match(line('bbc'), /│ bbc\s+│ FAILING 3d\s+│ never\s+│ 1h ago\s+│ 503\s+│ 5\s+│ https:\/\/feeds\.bbci/);
  assert.match(line('bbc'), /│ in 3h \(backoff\)\s+│$/, 'five failures: 4 h from the last one');
  assert.match(line('voa'), /│ voa\s+│ failing\s+│ 5h ago\s+│ 1h ago\s+│ —\s+│ 1\s+│ timed out waiting/);
  assert.match(line('voa'), /next run/);
  assert.match(line('dw'), /│ dw\s+│ new\s+│ never\s+│ never/);
  assert.match(line('cdt'), /│ cdt\s+│ disabled/);
  assert.match(out, /5 source\(s\), 1 ok, 1 failing, 1 FAILING for more than a day, 1 never polled, 1 disabled, 1 backing off\.$/);
  assert.doesNotMatch(out, /\x1b\[/, 'no colour codes');
});

test('statusJson: the same facts, ISO times, machine-readable health', () => {
  const json = statusJson(sampleState(), SOURCES, T0);
  assert.equal(json.generatedAt, '2025-03-01T12:00:00.000Z');
  const bbc = json.sources.find((s) => s.slug === 'bbc')!;
  assert.equal(bbc.health, 'failing-long');
  assert.equal(bbc.consecutiveFailures, 5);
  assert.equal(bbc.lastStatus, 503);
  assert.equal(bbc.due, false);
  assert.equal(bbc.failingSince, new Date(T0 - 3 * D).toISOString());
  assert.equal(bbc.failingForSeconds, (3 * D) / 1000);
  assert.equal(json.sources.find((s) => s.slug === 'rfi')!.health, 'ok');
  assert.equal(json.sources.find((s) => s.slug === 'dw')!.lastAttempt, null);
  assert.doesNotThrow(() => JSON.stringify(json));
});
