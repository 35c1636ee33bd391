/**
 * Per-site identity at the fetch stage, against a real loopback server reached under two host names
 * (127.0.0.1 and localhost: two hosts to tough-cookie, which ignores ports as RFC 6265 says): cookies from a
 * cookies.txt go only to their domain; cookies a server sets come back on the next request and, through the jar
 * file, on the next run; expired ones do not; a redirect to the other host carries only that host's cookies;
 * credentials go only to their origins; no cookie value shows in errors, JSON or inspect.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import { FetchError, RequestIdentity, closeDispatchers, describeError, fetchResource, parseCookiesTxt, redactHeaders, type FetchOptions } from './index.ts';

interface Seen {
  host: string;
  path: string;
  cookie: string | undefined;
  authorization: string | undefined;
}
const seen: Seen[] = [];
let server: http.Server;
let port = 0;
let ip = '';
let name = '';

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ host: (req.headers.host ?? '').replace(/:\d+$/, ''), path: url.pathname, cookie: req.headers.cookie, authorization: req.headers.authorization });
    const to = url.searchParams.get('to');
    if (url.pathname === '/set') {
      res.writeHead(200, {
        'set-cookie': [
          'consent=yes-KEPT-VALUE; Path=/; Max-Age=86400',
          'session=SESSION-VALUE; Path=/',
          'old=EXPIRED-VALUE; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT',
          'secure=SECURE-VALUE; Path=/; Secure',
          'other=FOREIGN-VALUE; Domain=example.org; Path=/',
        ],
        'content-type': 'text/plain',
      });
      res.end('ok');
    } else if (url.pathname === '/forget') {
      res.writeHead(200, { 'set-cookie': 'consent=; Path=/; Max-Age=0' });
      res.end('ok');
    } else if (url.pathname === '/go' && to !== null) {
      res.writeHead(302, { location: to });
      res.end();
    } else if (url.pathname === '/wall') {
      // a consent wall: without its cookie, set it and send the reader back to where they were going
      if ((req.headers.cookie ?? '').includes('wall=passed')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('behind the wall');
      } else {
        res.writeHead(302, { location: '/wall', 'set-cookie': 'wall=passed; Path=/' });
        res.end();
      }
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  ip = `http://127.0.0.1:${port}`;
  name = `http://localhost:${port}`;
});

after(async () => {
  await closeDispatchers();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const base: FetchOptions = { retry: { retries: 0 } };

async function get(url: string, identity: RequestIdentity): Promise<Seen[]> {
  const from = seen.length;
  await fetchResource(url, { ...base, identity });
  return seen.slice(from);
}

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'newsvault-identity-'));
}

/** A cookies.txt as browsers' export extensions and curl write it. */
function cookiesTxt(now = Date.now()): string {
  const future = Math.floor(now / 1000) + 86400 * 30;
  return [
    '# Netscape HTTP Cookie File',
    '# https://curl.se/docs/http-cookies.html',
    '',
    `127.0.0.1\tFALSE\t/\tFALSE\t${future}\tfromfile\tFILE-VALUE-IP`,
    `127.0.0.1\tFALSE\t/private\tFALSE\t0\tpathonly\tPATH-VALUE`,
    `127.0.0.1\tFALSE\t/\tFALSE\t1000\tstale\tSTALE-FILE-VALUE`,
    `#HttpOnly_localhost\tFALSE\t/\tFALSE\t${future}\thttponly\tHTTPONLY-VALUE-NAME`,
    `localhost\tFALSE\t/\tTRUE\t${future}\tsecureonly\tSECURE-FILE-VALUE`,
    'this line is not a cookie',
    '',
  ].join('\n');
}

test('a cookies.txt is parsed as curl writes it: host-only, path, secure, HttpOnly, expiry; bad lines are skipped, by number', () => {
  const now = Date.now();
  const parsed = parseCookiesTxt(`\uFEFF${cookiesTxt(now)}.example.org\tTRUE\t/\tFALSE\t0\tsub\tSUB\n`, now);
  assert.deepEqual(parsed.skipped, [9]);
  const byKey = new Map(parsed.cookies.map((c) => [c.key, c]));
  assert.deepEqual([...byKey.keys()].sort(), ['fromfile', 'httponly', 'pathonly', 'secureonly', 'sub'], 'the expired cookie is left out');
  assert.equal(byKey.get('fromfile')?.hostOnly, true);
  assert.equal(byKey.get('sub')?.hostOnly, false);
  assert.equal(byKey.get('sub')?.domain, 'example.org');
  assert.equal(byKey.get('pathonly')?.path, '/private');
  assert.equal(byKey.get('pathonly')?.expires, 'Infinity', 'expiry 0: a session cookie');
  assert.equal(byKey.get('httponly')?.httpOnly, true);
  assert.equal(byKey.get('secureonly')?.secure, true);
});

test('a cookies.txt cookie goes only to its own host and path, and a Secure one never over http', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'cookies.txt');
  await fs.writeFile(file, cookiesTxt());
  const identity = new RequestIdentity({ cookiesFile: file });

  const [toIp] = await get(`${ip}/feed`, identity);
  assert.equal(toIp?.host, '127.0.0.1');
  assert.equal(toIp?.cookie, 'fromfile=FILE-VALUE-IP', 'the 127.0.0.1 cookie, not the expired one, not the /private one');
  const [toPrivate] = await get(`${ip}/private/page`, identity);
  assert.equal(toPrivate?.cookie, 'pathonly=PATH-VALUE; fromfile=FILE-VALUE-IP');
  const [toName] = await get(`${name}/feed`, identity);
  assert.equal(toName?.host, 'localhost');
  assert.equal(toName?.cookie, 'httponly=HTTPONLY-VALUE-NAME', "localhost's cookie only; its Secure one needs https");

  // a redirect from one host to the other: each hop carries its own host's cookies
  const hops = await get(`${ip}/go?to=${encodeURIComponent(`${name}/landing`)}`, identity);
  assert.deepEqual(
    hops.map((h) => [h.host, h.path, h.cookie]),
    [
      ['127.0.0.1', '/go', 'fromfile=FILE-VALUE-IP'],
      ['localhost', '/landing', 'httponly=HTTPONLY-VALUE-NAME'],
    ],
  );
  const back = await get(`${name}/go?to=${encodeURIComponent(`${ip}/x`)}`, identity);
  assert.deepEqual(
    back.map((h) => h.cookie),
    ['httponly=HTTPONLY-VALUE-NAME', 'fromfile=FILE-VALUE-IP'],
  );
});

test('without keeping server cookies, Set-Cookie is ignored; with them, they come back on the next request', async () => {
  const ignoring = new RequestIdentity({ cookiesFile: undefined, keepServerCookies: false });
  await get(`${ip}/set`, ignoring);
  assert.equal((await get(`${ip}/after`, ignoring))[0]?.cookie, undefined);

  const keeping = new RequestIdentity({ keepServerCookies: true });
  await get(`${ip}/set`, keeping);
  const [next] = await get(`${ip}/after`, keeping);
  assert.equal(next?.cookie, 'consent=yes-KEPT-VALUE; session=SESSION-VALUE', 'not the expired one, not the Secure one over http, not example.org\'s');
  const [other] = await get(`${name}/after`, keeping);
  assert.equal(other?.cookie, undefined, "127.0.0.1's cookies never go to localhost");
});

test('the jar is kept across runs in its file: set cookies come back on the next run, expired or deleted ones do not, file cookies are never written', async () => {
  const dir = await tempDir();
  const cookies = path.join(dir, 'cookies.txt');
  await fs.writeFile(cookies, cookiesTxt());
  const jarFile = path.join(dir, 'state', 'cookies', 'src.json');

  const first = new RequestIdentity({ cookiesFile: cookies, keepServerCookies: true, jarFile });
  await get(`${ip}/set`, first);
  await first.flush();
  const saved = await fs.readFile(jarFile, 'utf8');
  assert.match(saved, /KEPT-VALUE/);
  assert.match(saved, /SESSION-VALUE/, 'a session cookie is kept, as curl keeps it');
  for (const absent of ['EXPIRED-VALUE', 'FOREIGN-VALUE', 'SECURE-VALUE', 'FILE-VALUE-IP', 'HTTPONLY-VALUE-NAME', 'PATH-VALUE']) {
    assert.ok(!saved.includes(absent), `${absent} is not in the jar file`);
  }
  if (process.platform !== 'win32') {
    assert.equal((await fs.stat(jarFile)).mode & 0o077, 0, 'the jar file is its owner\'s only');
  }

  // the next run: a new identity reads the jar file
  const second = new RequestIdentity({ cookiesFile: cookies, keepServerCookies: true, jarFile });
  const [again] = await get(`${ip}/again`, second);
  assert.deepEqual(again?.cookie?.split('; ').sort(), ['consent=yes-KEPT-VALUE', 'fromfile=FILE-VALUE-IP', 'session=SESSION-VALUE']);

  // the site deletes its cookie: gone now and on the run after
  await get(`${ip}/forget`, second);
  await second.flush();
  assert.ok(!(await fs.readFile(jarFile, 'utf8')).includes('KEPT-VALUE'));
  const third = new RequestIdentity({ keepServerCookies: true, jarFile });
  assert.equal((await get(`${ip}/later`, third))[0]?.cookie, 'session=SESSION-VALUE');
});

test('a consent wall that sets a cookie and redirects back is passed, not taken for a redirect loop', async () => {
  const identity = new RequestIdentity({ keepServerCookies: true });
  const from = seen.length;
  const res = await fetchResource(`${ip}/wall`, { ...base, identity });
  assert.equal(res.body.toString(), 'behind the wall');
  assert.deepEqual(
    seen.slice(from).map((s) => s.cookie),
    [undefined, 'wall=passed'],
  );
  assert.equal(res.headers['set-cookie'], undefined, 'the 200 set nothing');
  // without a jar the wall is a loop, as before
  await assert.rejects(fetchResource(`${ip}/wall`, base), /redirect loop/);
});

test('Authorization and Cookie from the config go only to their origins, not to other hosts or across redirects', async () => {
  const identity = new RequestIdentity({
    credentials: { authorization: 'Bearer TOKEN-VALUE', cookie: 'manual=MANUAL-VALUE' },
    credentialOrigins: [`${ip}/feed.xml`],
  });
  const [own] = await get(`${ip}/feed.xml`, identity);
  assert.equal(own?.authorization, 'Bearer TOKEN-VALUE');
  assert.equal(own?.cookie, 'manual=MANUAL-VALUE');
  const [elsewhere] = await get(`${name}/image.png`, identity);
  assert.equal(elsewhere?.authorization, undefined);
  assert.equal(elsewhere?.cookie, undefined);
  const hops = await get(`${ip}/go?to=${encodeURIComponent(`${name}/x`)}`, identity);
  assert.deepEqual(
    hops.map((h) => [h.host, h.authorization ?? null]),
    [
      ['127.0.0.1', 'Bearer TOKEN-VALUE'],
      ['localhost', null],
    ],
  );
});

test('secrets never show: identity JSON and inspect, redacted headers, response Set-Cookie, and the unreadable-file error', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'cookies.txt');
  await fs.writeFile(file, cookiesTxt());
  const identity = new RequestIdentity({ cookiesFile: file, keepServerCookies: true, credentials: { authorization: 'Bearer TOKEN-VALUE' }, credentialOrigins: [ip] });
  const res = await fetchResource(`${ip}/set`, { ...base, identity });
  assert.equal(res.headers['set-cookie'], '[redacted]');
  const shown = [JSON.stringify(identity), inspect(identity, { depth: 10 }), inspect({ options: { identity } }, { depth: 10 }), JSON.stringify(res.headers)].join('\n');
  for (const secret of ['TOKEN-VALUE', 'FILE-VALUE-IP', 'KEPT-VALUE', 'SESSION-VALUE']) assert.ok(!shown.includes(secret), `${secret} not shown`);
  assert.match(JSON.stringify(identity), /"authorization":"\[redacted\]"/);

  assert.deepEqual(redactHeaders({ Authorization: 'Basic abc', cookie: 'a=b', 'Set-Cookie': ['x=1', 'y=2'], accept: 'text/html' }), {
    Authorization: '[redacted]',
    cookie: '[redacted]',
    'Set-Cookie': '[redacted]',
    accept: 'text/html',
  });

  // a missing or wrong file: a clear error naming the file (never its content), not retried
  const missing = new RequestIdentity({ cookiesFile: path.join(dir, 'nope.txt') });
  const from = seen.length;
  const err = await fetchResource(`${ip}/feed`, { ...base, retry: { retries: 2, baseDelayMs: 1 }, identity: missing }).catch((e: unknown) => e);
  assert.ok(err instanceof FetchError);
  assert.equal(describeError(err), `${ip}/feed: cannot read the cookies file ${path.join(dir, 'nope.txt')} (ENOENT)`);
  assert.equal(seen.length, from, 'nothing was requested without the cookies the user asked for');
  const junk = path.join(dir, 'junk.txt');
  await fs.writeFile(junk, 'SECRET-JUNK-LINE=1\n');
  const bad = await fetchResource(`${ip}/feed`, { ...base, identity: new RequestIdentity({ cookiesFile: junk }) }).catch((e: unknown) => e);
  assert.match(describeError(bad), /is not a Netscape cookies\.txt \(line 1 does not have its 7 tab-separated fields\)/);
  assert.ok(!describeError(bad).includes('SECRET-JUNK-LINE'));
});

test('a Secure cookie goes over https only: from cookies.txt, and when a site sets one over https', async () => {
  const cert = readFileSync(new URL('./testdata/tls/cert.pem', import.meta.url));
  const key = readFileSync(new URL('./testdata/tls/key.pem', import.meta.url));
  const received: (string | undefined)[] = [];
  const tls = https.createServer({ cert, key }, (req, res) => {
    received.push(req.headers.cookie);
    res.writeHead(200, { 'content-type': 'text/plain', ...(req.url === '/set' ? { 'set-cookie': 'tls=TLS-SECURE-VALUE; Path=/; Secure; HttpOnly' } : {}) });
    res.end('ok');
  });
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  const tlsPort = (tls.address() as AddressInfo).port;
  const dispatcher = new Agent({ connect: { ca: cert } });
  try {
    const dir = await tempDir();
    const file = path.join(dir, 'cookies.txt');
    await fs.writeFile(file, cookiesTxt());
    const identity = new RequestIdentity({ cookiesFile: file, keepServerCookies: true });
    await fetchResource(`https://localhost:${tlsPort}/set`, { ...base, identity, dispatcher });
    await fetchResource(`https://localhost:${tlsPort}/next`, { ...base, identity, dispatcher });
    assert.deepEqual(received[0]?.split('; ').sort(), ['httponly=HTTPONLY-VALUE-NAME', 'secureonly=SECURE-FILE-VALUE']);
    assert.deepEqual(received[1]?.split('; ').sort(), ['httponly=HTTPONLY-VALUE-NAME', 'secureonly=SECURE-FILE-VALUE', 'tls=TLS-SECURE-VALUE']);
    // the same host over plain http: neither Secure cookie
    const [plain] = await get(`${name}/plain`, identity);
    assert.equal(plain?.cookie, 'httponly=HTTPONLY-VALUE-NAME');
  } finally {
    await dispatcher.close();
    tls.closeAllConnections();
    await new Promise<void>((resolve) => tls.close(() => resolve()));
  }
});

test('a site cannot grow a jar without end: 50 Set-Cookie per response, 1,000 cookies per jar, replacements still taken', async () => {
  const identity = new RequestIdentity({ keepServerCookies: true });
  const site = new URL('http://news.example/');
  for (let r = 0; r < 25; r++) {
    await identity.received(site, Array.from({ length: 60 }, (_, i) => `c${r}x${i}=v; Path=/`));
  }
  const names = (await identity.headersFor(site))['cookie']?.split('; ').map((c) => c.split('=')[0]) ?? [];
  assert.equal(names.length, 1000);
  assert.ok(!names.includes('c0x55'), 'the 51st Set-Cookie of a response is ignored');
  assert.ok(!names.includes('c24x0'), 'a new cookie does not get into a full jar');
  await identity.received(site, ['c0x0=replaced; Path=/', 'c0x1=; Path=/; Max-Age=0']);
  const after = (await identity.headersFor(site))['cookie']?.split('; ') ?? [];
  assert.ok(after.includes('c0x0=replaced'), 'a full jar takes a new value for a cookie it holds');
  assert.ok(!after.some((c) => c.startsWith('c0x1=')), 'and a deletion');
});
