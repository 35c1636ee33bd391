import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Politeness } from './politeness.ts';
import { TransferRate, formatRate } from './rate.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `n` jobs through `p` on `hostOf(i)`, each holding its slot `holdMs`; records start times and peak concurrency. */
async function runJobs(p: Politeness, n: number, hostOf: (i: number) => string, holdMs: number, delayMs?: number) {
  const starts: number[] = [];
  const perHost = new Map<string, number>();
  let active = 0;
  let peak = 0;
  let peakPerHost = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      p.run(
        hostOf(i),
        async () => {
          starts[i] = Date.now() - t0;
          active++;
          peak = Math.max(peak, active);
          const h = (perHost.get(hostOf(i)) ?? 0) + 1;
          perHost.set(hostOf(i), h);
          peakPerHost = Math.max(peakPerHost, h);
          await sleep(holdMs);
          active--;
          perHost.set(hostOf(i), h - 1);
        },
        { delayMs },
      ),
    ),
  );
  return { starts, peak, peakPerHost, total: Date.now() - t0 };
}

test('global concurrency limit', async () => {
  const p = new Politeness({ globalConcurrency: 3, perHostConcurrency: 10, perHostDelayMs: 0 });
  const r = await runJobs(p, 9, (i) => `h${i}.example`, 50);
  assert.equal(r.peak, 3);
  assert.ok(r.total >= 140, `three waves of 50 ms: ${r.total}`);
  assert.equal(p.active, 0);
  assert.equal(p.waiting, 0);
});

test('per-host concurrency limit; other hosts are not held up', async () => {
  const p = new Politeness({ globalConcurrency: 10, perHostConcurrency: 2, perHostDelayMs: 0 });
  const r = await runJobs(p, 8, (i) => (i < 6 ? 'busy.example' : `free${i}.example`), 60);
  assert.equal(r.peakPerHost, 2);
  assert.ok(r.starts[6]! < 30 && r.starts[7]! < 30, `other hosts start at once: ${r.starts}`);
  assert.ok(r.total >= 170, `busy.example needs three waves: ${r.total}`);
});

test('minimum delay between requests to one host, and a per-request longer delay', async () => {
  const p = new Politeness({ globalConcurrency: 10, perHostConcurrency: 10, perHostDelayMs: 100 });
  const r = await runJobs(p, 4, () => 'slow.example', 1);
  const sorted = [...r.starts].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]! - sorted[i - 1]! >= 95, `gaps: ${sorted}`);
  const other = await runJobs(p, 2, (i) => `x${i}.example`, 1);
  assert.ok(other.starts.every((s) => s < 30), 'different hosts: no delay between them');
  const gentle = await runJobs(new Politeness({ perHostDelayMs: 0 }), 2, () => 'gentle.example', 1, 200);
  const [a, b] = [...gentle.starts].sort((x, y) => x - y);
  assert.ok(b! - a! >= 195, `per-request delay: ${gentle.starts}`);
});

test('defer: nothing starts to a host before the given time', async () => {
  const p = new Politeness({ perHostDelayMs: 0 });
  p.defer('later.example', Date.now() + 150);
  const t0 = Date.now();
  await p.run('LATER.example', async () => {});
  assert.ok(Date.now() - t0 >= 140);
  const t1 = Date.now();
  await p.run('other.example', async () => {});
  assert.ok(Date.now() - t1 < 50);
});

test('an aborted wait leaves the queue; release is idempotent; bad limits are RangeErrors', async () => {
  const p = new Politeness({ globalConcurrency: 1, perHostDelayMs: 0 });
  const release = await p.acquire('a.example');
  const ac = new AbortController();
  const waiting = p.acquire('b.example', { signal: ac.signal });
  assert.equal(p.waiting, 1);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  assert.equal(p.waiting, 0);
  release();
  release();
  assert.equal(p.active, 0);
  const again = await p.acquire('c.example');
  assert.equal(p.active, 1);
  again();
  await assert.rejects(p.acquire('d.example', { signal: AbortSignal.abort(new Error('already')) }), /already/);
  assert.throws(() => new Politeness({ globalConcurrency: 0 }), RangeError);
  assert.throws(() => new Politeness({ perHostConcurrency: 1.5 }), RangeError);
  assert.throws(() => new Politeness({ perHostDelayMs: -1 }), RangeError);
});

test('TransferRate: grace period, sliding window, the rate reported', () => {
  const limits = { minBytesPerSecond: 100, windowMs: 1000, graceMs: 2000 };
  const r = new TransferRate(limits, 0);
  assert.equal(r.tooSlow(1500), null, 'within the grace period nothing is judged');
  r.add(10, 1900);
  assert.equal(r.tooSlow(2000), 10, '10 bytes in the last second');
  r.add(500, 2500);
  assert.equal(r.tooSlow(2600), null);
  assert.equal(r.tooSlow(3600), 0, 'the burst left the window');
  const off = new TransferRate({ ...limits, minBytesPerSecond: 0 }, 0);
  assert.equal(off.tooSlow(10_000), null, '0 disables the check');
  const graceShorterThanWindow = new TransferRate({ minBytesPerSecond: 100, windowMs: 1000, graceMs: 0 }, 0);
  assert.equal(graceShorterThanWindow.tooSlow(500), null, 'never judged on less than a full window');
  assert.equal(formatRate(12.4), '12 bytes/s');
  assert.equal(formatRate(1536), '1.5 KiB/s');
});
