import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDate } from './index.ts';

const H = 3_600_000;
const M = 60_000;
/** 2023-09-14 17:45:02 UTC, the instant most rows describe. */
const BASE = Date.UTC(2023, 8, 14, 17, 45, 2);
const BASE_NO_SECONDS = Date.UTC(2023, 8, 14, 17, 45, 0);

// [input, expected ms] — expected values composed with Date.UTC and explicit offsets, never with parseDate.
const CASES: Array<[string, number]> = [
  // RFC 822 / 1123 / 2822
  ['Thu, 14 Sep 2023 17:45:02 GMT', BASE],
  ['Thu, 14 Sep 2023 17:45:02 UT', BASE],
  ['Thu, 14 Sep 2023 17:45:02 UTC', BASE],
  ['Thu, 14 Sep 2023 17:45:02 Z', BASE],
  ['Thu, 14 Sep 2023 17:45:02 +0000', BASE],
  ['Thu, 14 Sep 2023 17:45:02 -0000', BASE],
  ['Thu, 14 Sep 2023 17:45:02 +0800', BASE - 8 * H],
  ['Thu, 14 Sep 2023 17:45:02 -0500', BASE + 5 * H],
  ['Thu, 14 Sep 2023 17:45:02 +08:00', BASE - 8 * H],
  ['Thu, 14 Sep 2023 17:45:02 +0530', BASE - 5 * H - 30 * M],
  ['Thu, 14 Sep 2023 17:45:02 EST', BASE + 5 * H],
  ['Thu, 14 Sep 2023 17:45:02 EDT', BASE + 4 * H],
  ['Thu, 14 Sep 2023 17:45:02 CST', BASE + 6 * H], // RFC 822: US Central, not China
  ['Thu, 14 Sep 2023 17:45:02 CDT', BASE + 5 * H],
  ['Thu, 14 Sep 2023 17:45:02 MST', BASE + 7 * H],
  ['Thu, 14 Sep 2023 17:45:02 MDT', BASE + 6 * H],
  ['Thu, 14 Sep 2023 17:45:02 PST', BASE + 8 * H],
  ['Thu, 14 Sep 2023 17:45:02 PDT', BASE + 7 * H],
  ['Thu, 14 Sep 2023 17:45:02 +0800 (CST)', BASE - 8 * H],
  ['14 Sep 2023 17:45:02 GMT', BASE], // no weekday
  ['Thu, 14 Sep 2023 17:45 GMT', BASE_NO_SECONDS], // no seconds
  ['Thu, 14 Sep 23 17:45:02 GMT', BASE], // two-digit year
  ['Wed, 01 Jan 99 00:00:00 GMT', Date.UTC(1999, 0, 1)], // two-digit year in the 1900s
  ['  Thu,   14  Sep   2023   17:45:02    GMT  ', BASE], // extra whitespace
  ['thu, 14 sep 2023 17:45:02 gmt', BASE], // lowercase
  ['Mon, 14 Sep 2023 17:45:02 GMT', BASE], // wrong weekday, ignored
  ['Thursday, 14 September 2023 17:45:02 GMT', BASE],
  ['Thu,14 Sept 2023 17:45:02 GMT', BASE],
  ['Thu, 4 Jan 2018 09:05:00 +0100', Date.UTC(2018, 0, 4, 8, 5, 0)],
  ['Wed, 03 Jan 2018 13:47:00 GMT\r\n      ', Date.UTC(2018, 0, 3, 13, 47, 0)], // trailing CRLF from rss-parser's fixture
  ['14-Sep-2023 17:45:02 +0000', BASE],
  ['Thu, 14 Sep 2023 17:45:02', BASE], // no zone → UTC
  ['Thu, 14 Sep 2023', Date.UTC(2023, 8, 14)],
  ['Sat, 29 Feb 2020 12:00:00 GMT', Date.UTC(2020, 1, 29, 12)],
  // Month-first, asctime, Date.prototype.toString
  ['Sep 14, 2023 5:45 PM EST', Date.UTC(2023, 8, 14, 22, 45)],
  ['September 14, 2023', Date.UTC(2023, 8, 14)],
  ['Thu Sep 14 17:45:02 2023', BASE],
  ['Thu Sep 14 17:45:02 UTC 2023', BASE],
  ['Thu Sep 14 2023 17:45:02 GMT+0800 (China Standard Time)', BASE - 8 * H],
  // ISO 8601 / W3CDTF / RFC 3339
  ['2023-09-14', Date.UTC(2023, 8, 14)],
  ['2023-09', Date.UTC(2023, 8, 1)],
  ['2023', Date.UTC(2023, 0, 1)],
  ['2023-09-14T17:45Z', BASE_NO_SECONDS],
  ['2023-09-14T17:45:02Z', BASE],
  ['2023-09-14t17:45:02z', BASE],
  ['2023-09-14T17:45:02.123+08:00', BASE + 123 - 8 * H],
  ['2023-09-14T17:45:02.123456789Z', BASE + 123],
  ['2023-09-14T17:45:02-05:00', BASE + 5 * H],
  ['2023-09-14T17:45:02+0800', BASE - 8 * H],
  ['2023-09-14 17:45:02', BASE], // space, no zone → UTC
  ['2023-09-14 17:45:02 +0800', BASE - 8 * H],
  ['2023-09-14 17:45:02 GMT', BASE],
  ['2023/09/14 17:45', BASE_NO_SECONDS],
  ['0001-01-01T00:00:00Z', -62135596800000], // Go's zero time, seen in generated feeds
  // Chinese forms: UTC+8 unless a zone is given
  ['2023年09月14日 17:45', BASE_NO_SECONDS - 8 * H],
  ['2023年9月14日 17:45:02', BASE - 8 * H],
  ['2023年9月14日 17时45分', BASE_NO_SECONDS - 8 * H],
  ['2023年09月14日', Date.UTC(2023, 8, 14) - 8 * H],
  ['２０２３年９月１４日 １７：４５', BASE_NO_SECONDS - 8 * H], // fullwidth digits
  ['2023年09月14日 17:45 北京时间', BASE_NO_SECONDS - 8 * H],
];

test('parses a table of real-world date strings', () => {
  assert.ok(CASES.length >= 30);
  for (const [input, expected] of CASES) {
    const result = parseDate(input);
    assert.equal(result.ms, expected, `${JSON.stringify(input)} → ${result.ms === null ? 'null' : new Date(result.ms).toISOString()}, expected ${new Date(expected).toISOString()}`);
    assert.equal(result.warning, null, `unexpected warning for ${JSON.stringify(input)}: ${result.warning}`);
  }
});

test('missing dates', () => {
  for (const input of [null, undefined, '', '   \n ']) {
    assert.deepEqual(parseDate(input), { ms: null, warning: 'missing date' });
  }
});

test('unparseable dates quote the input', () => {
  for (const input of [
    'yesterday',
    'Thu, 14 Foo 2023 17:45:02 GMT',
    '2023-02-30',
    '2023-02-29T00:00:00Z', // not a leap year
    '2023-13-01',
    '2023-09-14T25:00:00Z',
    '2023-09-14T17:45:02+25:00',
    'Thu, 32 Sep 2023 17:45:02 GMT',
    '1694713502',
    '14/09/2023',
  ]) {
    assert.deepEqual(parseDate(input), { ms: null, warning: `unparseable date "${input}"` }, input);
  }
});

test('long unparseable input is cut to 60 characters in the warning', () => {
  const input = `not a date ${'x'.repeat(100)}`;
  const { ms, warning } = parseDate(input);
  assert.equal(ms, null);
  assert.equal(warning, `unparseable date "${input.slice(0, 59)}…"`);
  assert.equal(warning.length, 'unparseable date ""'.length + 60);
});

test('military zones other than Z are read as UTC with a warning (RFC 2822 §4.3)', () => {
  const result = parseDate('Thu, 14 Sep 2023 17:45:02 A');
  assert.equal(result.ms, BASE);
  assert.match(result.warning ?? '', /military time zone "A"/);
  assert.deepEqual(parseDate('Thu, 14 Sep 2023 17:45:02 N').ms, BASE);
});

test('an unknown zone name is read as UTC with a warning', () => {
  const result = parseDate('Thu, 14 Sep 2023 17:45:02 XYZ');
  assert.equal(result.ms, BASE);
  assert.equal(result.warning, 'unknown time zone "XYZ" read as UTC in date "Thu, 14 Sep 2023 17:45:02 XYZ"');
});

test('a Chinese date with an explicit zone uses that zone', () => {
  assert.equal(parseDate('2023年09月14日 17:45 +0000').ms, BASE_NO_SECONDS);
});

test('AM/PM hours', () => {
  assert.equal(parseDate('Sep 14, 2023 12:05 AM GMT').ms, Date.UTC(2023, 8, 14, 0, 5));
  assert.equal(parseDate('Sep 14, 2023 12:05 PM GMT').ms, Date.UTC(2023, 8, 14, 12, 5));
  assert.equal(parseDate('Sep 14, 2023 13:05 PM GMT').ms, null);
});

test('never throws, whatever it is given', () => {
  const odd: unknown[] = [42, {}, [], '\u0000', '((((', ')', 'Thu, 14 Sep 2023 17:45:02 (unclosed', '9'.repeat(400), '2023-09-14T'];
  for (const input of odd) {
    const result = parseDate(input as string);
    assert.equal(typeof result, 'object');
    assert.ok(result.ms === null || Number.isFinite(result.ms));
  }
});
