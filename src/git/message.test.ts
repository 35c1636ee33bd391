import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, ManifestRecord } from '../archive/index.ts';
import { MAX_BODY_LINES, commitMessage } from './message.ts';
import { mergeIgnore } from './ignore.ts';

const record = (title: string): ManifestRecord => ({ id: 'abcdefghij', path: `articles/x/2024/01-01/0000_t_abcdefghij.md`, title }) as unknown as ManifestRecord;
const added = (source: string, title = '普京与金正恩互赠步枪'): ChangeEvent => ({ type: 'added', source, at: 0, record: record(title) });
const revised = (source: string): ChangeEvent => ({ type: 'revised', source, at: 0, record: record('改过的标题'), previousHash: 'a', hash: 'b', revisions: [] });
const gone = (source: string): ChangeEvent => ({ type: 'gone', source, at: 0, id: 'abcdefghij', path: 'articles/x/a.md' });
const unchanged = (source: string): ChangeEvent => ({ type: 'unchanged', source, at: 0, id: 'abcdefghij', path: 'articles/x/a.md' });
const failed = (source: string): ChangeEvent => ({ type: 'failed', source, at: 0, item: { title: 't', link: null, guid: null }, error: 'boom' });

test('the subject counts new, changed and gone articles, and each source, in the run\'s order', () => {
  const events = [
    ...Array.from({ length: 7 }, () => added('bbc')),
    ...Array.from({ length: 4 }, () => added('rfi')),
    revised('rfi'),
    gone('dw'),
    unchanged('rfi'),
    failed('voa'),
  ];
  const m = commitMessage(events, { order: ['rfi', 'bbc', 'voa', 'dw'] });
  assert.equal(m.subject, 'archive: 11 new, 1 changed, 1 gone (rfi 5, bbc 7, dw 1)');
  const body = m.body.split('\n');
  assert.equal(body.length, 13);
  assert.equal(body[0], '+ bbc: 普京与金正恩互赠步枪');
  assert.ok(body.includes('~ rfi: 改过的标题'));
  assert.ok(body.includes('- dw: articles/x/a.md'));
});

test('zero counts are left out; sources outside the order come after, alphabetically', () => {
  assert.equal(commitMessage([added('zz'), added('aa'), added('rfi')], { order: ['rfi'] }).subject, 'archive: 3 new (rfi 1, aa 1, zz 1)');
  assert.equal(commitMessage([revised('bbc')]).subject, 'archive: 1 changed (bbc 1)');
});

test('no change event: pages only, or files an earlier run left; long bodies are cut', () => {
  assert.equal(commitMessage([unchanged('rfi')]).subject, 'archive: lists and README updated');
  assert.equal(commitMessage([], { extra: 3 }).subject, 'archive: 3 files left by an earlier run');
  const many = Array.from({ length: MAX_BODY_LINES + 5 }, () => added('rfi', `${'长'.repeat(100)}\n标题`));
  const m = commitMessage(many, { extra: 1 });
  const lines = m.body.split('\n');
  assert.equal(lines[MAX_BODY_LINES], '… and 5 more');
  assert.match(lines.at(-1)!, /1 file left by an earlier run/);
  assert.ok(lines.slice(0, MAX_BODY_LINES).every((l) => l.length <= 80 && !l.includes('\n')));
});

test('mergeIgnore adds only the missing lines, keeps the file, and is idempotent', () => {
  const fresh = mergeIgnore(null);
  assert.match(fresh, /^# newsvault/);
  assert.match(fresh, /^\.newsvault\/$/m);
  assert.equal(mergeIgnore(fresh), fresh);
  const mine = '*.log\n/.newsvault\n';
  const merged = mergeIgnore(mine);
  assert.ok(merged.startsWith('*.log\n/.newsvault\n\n# newsvault'));
  assert.equal(merged.match(/newsvault\/?$/gm)?.length, 1, '.newsvault is not listed twice');
  assert.match(merged, /^node_modules\/$/m);
  assert.equal(mergeIgnore(merged), merged);
});
