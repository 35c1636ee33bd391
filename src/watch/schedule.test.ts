import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JITTER, dueSources, jittered, learnedGap, nextPoll, nextWake, seededRandom, sourceInterval, startSpread } from './schedule.ts';
import type { Intervals } from './schedule.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const intervals: Intervals = { defaultMs: 15 * MIN, minMs: 5 * MIN, maxMs: 3 * HOUR, adaptive: true };

/** First-seen times of `n` articles, one every `gapMs`, the newest `ago` before `now`. */
const every = (n: number, gapMs: number, now: number, ago = 0) => Array.from({ length: n }, (_, i) => now - ago - i * gapMs);

test('a source that brings an article every 10 minutes is polled more often than a daily one, within bounds', () => {
  const now = Date.UTC(2024, 5, 1);
  const busy = sourceInterval('busy', intervals, every(40, 10 * MIN, now), now);
  const daily = sourceInterval('daily', intervals, every(40, DAY, now), now);
  assert.equal(busy.how, 'learned');
  assert.equal(busy.ms, 10 * MIN);
  assert.equal(daily.how, 'learned');
  assert.equal(daily.ms, 3 * HOUR, 'clamped to the maximum');
  assert.ok(busy.ms < daily.ms);
  // every minute: clamped to the minimum
  assert.equal(sourceInterval('flood', intervals, every(40, MIN / 2, now), now).ms, 5 * MIN);
});

test('articles seen in one poll count one by one; a source gone quiet slows down as the silence lasts', () => {
  const now = Date.UTC(2024, 5, 1);
  // polled hourly, 6 articles each time (one every 10 minutes at the source)
  const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 6 }, () => now - b * HOUR)).flat();
  assert.equal(learnedGap(batches, now), (3 * HOUR) / 19);
  assert.equal(learnedGap(every(20, 10 * MIN, now, 10 * HOUR), now), 10 * HOUR);
  const quiet = every(20, 10 * MIN, now, 10 * HOUR);
  assert.ok(learnedGap(quiet, now)! > learnedGap(every(20, 10 * MIN, now), now)!);
});

test('without history, or not adaptive: the default; a source with its own interval keeps it', () => {
  const now = Date.UTC(2024, 5, 1);
  assert.deepEqual(sourceInterval('new', intervals, [now - MIN, now - 2 * MIN], now), { ms: 15 * MIN, how: 'default' });
  assert.equal(learnedGap([], now), null);
  assert.deepEqual(sourceInterval('busy', { ...intervals, adaptive: false }, every(40, MIN, now), now), { ms: 15 * MIN, how: 'default' });
  assert.deepEqual(sourceInterval('mine', { ...intervals, perSource: { mine: 2 * DAY } }, every(40, MIN, now), now), { ms: 2 * DAY, how: 'fixed' });
  // bounds given the wrong way round still bound
  assert.equal(sourceInterval('busy', { ...intervals, minMs: 3 * HOUR, maxMs: 5 * MIN }, every(40, MIN, now), now).ms, 5 * MIN);
});

test('jitter moves a poll by at most a tenth of its interval, both ways, reproducibly from a seed', () => {
  const random = seededRandom(42);
  const values = Array.from({ length: 1000 }, () => jittered(HOUR, random));
  assert.ok(values.every((v) => v >= HOUR * (1 - JITTER) && v <= HOUR * (1 + JITTER)));
  assert.ok(values.some((v) => v < HOUR * 0.95) && values.some((v) => v > HOUR * 1.05), 'both ways');
  assert.deepEqual(Array.from({ length: 5 }, seededRandom(7)), Array.from({ length: 5 }, seededRandom(7)));
  assert.equal(jittered(HOUR, () => 0.5), HOUR);
});

test('the next poll: the last plus the jittered interval, never before a backoff ends; sources due at start are spread', () => {
  const now = Date.UTC(2024, 5, 1);
  const mid = () => 0.5;
  assert.equal(nextPoll({ lastAttempt: now - 5 * MIN, intervalMs: 15 * MIN, backoffUntil: null, now, random: mid }), now + 10 * MIN);
  assert.equal(nextPoll({ lastAttempt: null, intervalMs: 15 * MIN, backoffUntil: null, now, random: mid }), now);
  assert.equal(nextPoll({ lastAttempt: now - 5 * MIN, intervalMs: 15 * MIN, backoffUntil: now + 2 * HOUR, now, random: mid }), now + 2 * HOUR);
  // long overdue: now, not in the past
  assert.equal(nextPoll({ lastAttempt: now - DAY, intervalMs: 15 * MIN, backoffUntil: null, now, random: mid }), now);
  // at start, many sources due at once are spread over the start window
  const random = seededRandom(1);
  const starts = Array.from({ length: 50 }, () => nextPoll({ lastAttempt: null, intervalMs: 15 * MIN, backoffUntil: null, now, random, spreadMs: startSpread(15 * MIN) }));
  assert.ok(starts.every((t) => t >= now && t < now + startSpread(15 * MIN)));
  assert.ok(new Set(starts).size > 40, 'not all together');
  assert.equal(startSpread(10_000), 1000);
  assert.equal(startSpread(DAY), 30_000);
});

test('due sources and the next wake', () => {
  const due = new Map([
    ['a', 100],
    ['b', 50],
    ['c', 300],
  ]);
  assert.deepEqual(dueSources(due, 100), ['a', 'b']);
  assert.deepEqual(dueSources(due, 10), []);
  assert.equal(nextWake(due), 50);
  assert.equal(nextWake(new Map()), null);
});
