import { test } from 'node:test';
import assert from 'node:assert/strict';
import { articleFileName, dayDir, idFromFileName, safeTitle, utc8Parts } from './layout.ts';

test('dates are taken in UTC+8', () => {
  // 2023-09-14T17:45:02Z is 2023-09-15 01:45 in Beijing
  const p = utc8Parts(Date.UTC(2023, 8, 14, 17, 45, 2));
  assert.deepEqual(p, { year: '2023', month: '09', day: '15', hour: '01', minute: '45' });
  assert.equal(dayDir('rfi', Date.UTC(2023, 8, 14, 17, 45, 2)), 'articles/rfi/2023/09-15');
  assert.equal(dayDir('rfi', Date.UTC(2023, 8, 14, 17, 45, 2), 2), 'articles/rfi/2023/09-15-2');
});

test('hostile titles give names safe on Linux, macOS and Windows', () => {
  const hostile = ['../../etc/passwd', 'a/b\\c:d*e?f"g<h>i|j', 'x\u0000y\u001fz\u007f', ' . trailing. ', 'CON', '..', '', '   ', '#%&{}'];
  for (const title of hostile) {
    const s = safeTitle(title);
    assert.doesNotMatch(s, /[<>:"/\\|?*\u0000-\u001f#%]/, title);
    assert.ok(!s.startsWith('.') && !s.endsWith('.') && !s.endsWith(' '), `${title} → ${s}`);
    assert.notEqual(s.toLowerCase(), 'con');
  }
  assert.equal(safeTitle('普京与金正恩互赠步枪 克宫确认普京同意访平壤'), '普京与金正恩互赠步枪-克宫确认普京同意访平壤');
  const long = safeTitle('长'.repeat(300));
  assert.equal([...long].length, 40);
  assert.ok(Buffer.byteLength(articleFileName(0, '长'.repeat(300), 'abcdefghij')) < 255);
});

test('file names start with the time, end with the id, and the id reads back', () => {
  const name = articleFileName(Date.UTC(2023, 8, 14, 11, 27), '普京 金正恩', 'k3j7x2abqq');
  assert.equal(name, '1927_普京-金正恩_k3j7x2abqq.md');
  assert.equal(idFromFileName(name), 'k3j7x2abqq');
  assert.equal(articleFileName(0, '///', 'k3j7x2abqq'), '0800_k3j7x2abqq.md');
});

test('bidi controls and other format characters never reach a file name (…gpj.exe must not show as …exe.jpg)', () => {
  const bidi = ['\u202e', '\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u00ad', '\ufeff', '\u200b', '\ud800', '\udfff', '\u2028'];
  for (const c of bidi) {
    const s = safeTitle(`photo${c}gpj.exe`);
    assert.equal(s, 'photogpj.exe', `U+${c.charCodeAt(0).toString(16)}`);
    assert.ok(Buffer.from(articleFileName(0, `a${c}b`, 'abcdefghij')).toString() === articleFileName(0, `a${c}b`, 'abcdefghij'));
  }
  // scripts written right to left are text, not controls: kept
  assert.equal(safeTitle('خبر עברית'), 'خبر-עברית');
});
