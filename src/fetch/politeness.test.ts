/**
 * The scheduler's timing under a mocked clock (node:test's mock timers: setTimeout and Date), so the
 * start times are exact and a busy machine cannot make them wrong.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Politeness } from './politeness.ts';
import { TransferRate, formatRate } from './rate.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `work` with setTimeout and Date mocked (the clock at 0), moving the clock on 1 ms at a time
 * whenever everything else has run (setImmediate is left real for that), until `work` settles.
 */
async function virtually<T>(t: TestContext, work: () => Promise<T>): Promise<T> {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  let done = false;
  const result = work();
  const settled = () => {
    done = true;
  };
  result.then(settled, settled); // (and a rejection is handled here, until the caller awaits it)
  for (let ms = 0; !done; ms++) {
    await new Promise((r) => setImmediate(r));
    if (done) break;
    if (ms > 60_000) throw new Error('still running after a virtual minute');
    t.mock.timers.tick(1);
  }
  return result;
}

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
          perHost.set(hostOf(i), perHost.get(hostOf(i))! - 1);
        },
        { delayMs },
      ),
    ),
  );
  return { starts, peak, peakPerHost, total: Date.now() - t0 };
}

test('global concurrency limit', async (t) => {
  await virtually(t, async () => {
    const p = new Politeness({ globalConcurrency: 3, perHostConcurrency: 10, perHostDelayMs: 0 });
    const r = await runJobs(p, 9, (i) => `h${i}.example`, 50);
    assert.equal(r.peak, 3);
    assert.deepEqual(r.starts, [0, 0, 0, 50, 50, 50, 100, 100, 100], 'three waves of 50 ms, first come first served');
    assert.equal(r.total, 150);
    assert.equal(p.active, 0);
    assert.equal(p.waiting, 0);
  });
});

test('per-host concurrency limit; other hosts are not held up', async (t) => {
  await virtually(t, async () => {
    const p = new Politeness({ globalConcurrency: 10, perHostConcurrency: 2, perHostDelayMs: 0 });
    const r = await runJobs(p, 8, (i) => (i < 6 ? 'busy.example' : `free${i}.example`), 60);
    assert.equal(r.peakPerHost, 2);
    assert.deepEqual(r.starts, [0, 0, 60, 60, 120, 120, 0, 0], 'busy.example in three waves; the other hosts at once');
    assert.equal(r.total, 180);
  });
});

test('minimum delay between requests to one host, and a per-request longer delay', async (t) => {
  await virtually(t, async () => {
    const p = new Politeness({ globalConcurrency: 10, perHostConcurrency: 10, perHostDelayMs: 100 });
    const r = await runJobs(p, 4, () => 'slow.example', 1);
    assert.deepEqual(r.starts, [0, 100, 200, 300]);
    const other = await runJobs(p, 2, (i) => `x${i}.example`, 1);
    assert.deepEqual(other.starts, [0, 0], 'different hosts: no delay between them');
    const gentle = await runJobs(new Politeness({ perHostDelayMs: 0 }), 2, () => 'gentle.example', 1, 200);
    assert.deepEqual(gentle.starts, [0, 200], 'per-request delay');
  });
});

test('defer: nothing starts to a host before the given time', async (t) => {
  await virtually(t, async () => {
    const p = new Politeness({ perHostDelayMs: 0 });
    p.defer('later.example', Date.now() + 150);
    const t0 = Date.now();
    await p.run('LATER.example', async () => {});
    assert.equal(Date.now() - t0, 150, 'the host name is case-insensitive');
    const t1 = Date.now();
    await p.run('other.example', async () => {});
    assert.equal(Date.now() - t1, 0, 'another host: at once');
  });
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
