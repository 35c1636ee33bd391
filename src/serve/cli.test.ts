/**
 * `newsvault serve` as a user runs it: in a process of its own (real signals), on 127.0.0.1 with --port 0, the URL
 * printed; the warning for an address that is not loopback; usage errors. No test binds anything but 127.0.0.1:
 * the warning is checked with an address of the documentation range (192.0.2.1), which this machine cannot bind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FileArchive } from '../storage/index.ts';
import { main } from '../cli/main.ts';
import { LOCK_FILE } from '../storage/paths.ts';
import { tempDir } from '../testing/tree.ts';
import { isLoopback, isUnspecified, urlOf } from './index.ts';

const T0 = Date.UTC(2024, 4, 20, 3, 0);

/** A small archive written by the archive stage itself: two Chinese articles of one source. */
async function smallArchive(): Promise<string> {
  const root = path.join(await tempDir('newsvault-serve-cli-'), 'archive');
  const archive = new FileArchive(root);
  const store = await archive.source('demo');
  const articles = [
    ['普京抵达北京进行国事访问', '<p>俄罗斯总统普京周四抵达北京，开始为期两天的国事访问。</p>'],
    ['台风逼近沿海地区', '<p>气象部门发布台风预警，沿海地区将出现强降雨。</p>'],
  ] as const;
  for (const [i, [title, content]] of articles.entries()) {
    await store.upsert(
      { id: `g${i}`, title, link: `https://demo.example/${i}`, published: T0 + i * 3_600_000, updated: null, author: null, summary: null, content, categories: [], enclosures: [] },
      T0 + 7_200_000,
    );
  }
  await store.close();
  await store.finish();
  return root;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

const cli = `
import { main } from ${JSON.stringify(new URL('../cli/main.ts', import.meta.url).pathname)};
process.exitCode = await main(process.argv);
`;

/** Runs `newsvault serve …` in a child process until it prints its URL; returns the URL and a way to stop it. */
async function spawnServe(root: string, args: string[]) {
  const script = path.join(path.dirname(root), 'cli.mts');
  await fs.writeFile(script, cli);
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'serve', '--archive', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`serve printed no URL:\n${stdout}\n${stderr}`)), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /Serving .* at (http:\/\/\S+\/)/.exec(stdout);
      if (m) {
        clearTimeout(deadline);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(deadline);
      reject(new Error(`serve exited before printing its URL:\n${stdout}\n${stderr}`));
    });
  });
  const stop = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    let deadline: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        exited,
        new Promise<never>((_, reject) => (deadline = setTimeout(() => reject(new Error(`serve did not stop:\n${stderr}`)), 120_000))),
      ]);
    } finally {
      clearTimeout(deadline);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  return { url, stop, stderr: () => stderr };
}

test('serve --port 0: listens on 127.0.0.1, prints the URL, takes no lock, and SIGINT or SIGTERM ends it with exit 0', async () => {
  const root = await smallArchive();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const s = await spawnServe(root, ['--port', '0']);
    try {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const home = await fetch(s.url);
      assert.equal(home.status, 200);
      assert.match(await home.text(), /普京抵达北京进行国事访问/);
      assert.equal(existsSync(path.join(root, LOCK_FILE)), false, 'serve holds no lock');
    } finally {
      const { code, signal: killed } = await s.stop(signal);
      assert.equal(killed, null, s.stderr());
      assert.equal(code, 0, s.stderr());
    }
    assert.doesNotMatch(s.stderr(), /warning/i);
    assert.match(s.stderr(), new RegExp(`${signal}: stopping`));
    // the port is free again
    await assert.rejects(fetch(s.url));
  }
});

test('an address that is not loopback is warned about before binding', async () => {
  const root = await smallArchive();
  const c = capture();
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning, then a clear refusal
  const code = await main(['node', 'newsvault', 'serve', '--archive', root, '--host', '192.0.2.1', '--port', '0'], c.io);
  assert.equal(code, 2);
  const err = c.err.join('\n');
  assert.match(err, /warning: listening on 192\.0\.2\.1, not a loopback address: the archive is then readable from the network/);
  assert.match(err, /cannot listen on 192\.0\.2\.1/);
  assert.deepEqual(c.out, []);
});

test('usage errors: a bad port, a port in use, no archive', async () => {
  const root = await smallArchive();
  for (const port of ['abc', '-1', '65536', '1.5']) {
    const c = capture();
    assert.equal(await main(['node', 'newsvault', 'serve', '--archive', root, '--port', port], c.io), 2, port);
    assert.match(c.err.join('\n'), /--port must be a whole number/);
  }
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const port = (busy.address() as net.AddressInfo).port;
    const c = capture();
    assert.equal(await main(['node', 'newsvault', 'serve', '--archive', root, '--port', String(port)], c.io), 2);
    assert.match(c.err.join('\n'), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
  } finally {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
  }
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'serve', '--archive', path.join(root, 'nothing-here'), '--port', '0'], c.io), 2);
  assert.match(c.err.join('\n'), /no archive at/);
});

test('loopback addresses and the URL printed for a bound address', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', 'LOCALHOST', 'app.localhost', '::ffff:127.0.0.1']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '2001:db8::1', '::ffff:8.8.8.8']) assert.equal(isLoopback(h), false, h);
  assert.equal(isUnspecified('0.0.0.0'), true);
  assert.equal(isUnspecified('::'), true);
  assert.equal(isUnspecified('127.0.0.1'), false);
  assert.equal(urlOf('127.0.0.1', 8080), 'http://127.0.0.1:8080/');
  assert.equal(urlOf('::1', 8080), 'http://[::1]:8080/');
  assert.equal(urlOf('0.0.0.0', 80), 'http://127.0.0.1:80/');
  assert.equal(urlOf('::', 80), 'http://[::1]:80/');
});
