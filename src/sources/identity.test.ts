/**
 * Per-site identity in newsvault.yaml: userAgent, headers, cookies and cookieJar, run-wide and per source
 * (the source's over the run's); header names and values checked when the file is loaded, with messages that
 * never quote a value; cookies files resolved relative to the config file (`~` = home) and refused inside the
 * archive except under .newsvault/; what is listed or exported (sources --json, OPML) holds no secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderOpml } from '../exchange/index.ts';
import { ConfigError, loadConfig, parseConfig, resolveSources, sourceIdentitySettings } from './index.ts';

const FILE = '/archive/newsvault.yaml';
const parse = (yaml: string) => parseConfig(yaml, FILE, '/archive');

/** The problems of a config that must be refused, as `field: problem` lines. */
function problems(yaml: string): string[] {
  try {
    parse(yaml);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.field}: ${p.problem}`);
  }
  return assert.fail(`accepted:\n${yaml}`);
}

test('userAgent, headers, cookies and cookieJar: the run gives defaults, a source overrides them, its headers added to the run\'s', () => {
  const config = parse(
    [
      'run:',
      '  userAgent: "Mozilla/5.0 (X11; Linux x86_64) Newsvault"',
      '  headers: { Accept-Language: "zh-CN,zh;q=0.9", DNT: 1, Authorization: { env: RUN_TOKEN } }',
      '  cookies: ~/cookies.txt',
      'sources:',
      '  rfi: { userAgent: RFI-Agent/2, headers: { accept-language: zh-TW, Referer: "https://www.rfi.fr/cn/" }, cookies: ../secrets/rfi.txt, cookieJar: true }',
      '  mine: { feed: https://mine.example/rss, cookies: .newsvault/mine-cookies.txt }',
      '',
    ].join('\n'),
  );
  const env = { RUN_TOKEN: ' Bearer RUN-TOKEN ' };
  assert.deepEqual(sourceIdentitySettings(config, 'rfi', env), {
    userAgent: 'RFI-Agent/2',
    headers: { 'accept-language': 'zh-TW', dnt: '1', referer: 'https://www.rfi.fr/cn/' },
    credentials: { authorization: 'Bearer RUN-TOKEN' },
    cookies: path.resolve('/secrets/rfi.txt'),
    cookieJar: true,
  });
  assert.deepEqual(sourceIdentitySettings(config, 'mine', env), {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Newsvault',
    headers: { 'accept-language': 'zh-CN,zh;q=0.9', dnt: '1' },
    credentials: { authorization: 'Bearer RUN-TOKEN' },
    cookies: path.resolve('/archive/.newsvault/mine-cookies.txt'),
    cookieJar: false,
  });
  assert.deepEqual(sourceIdentitySettings(config, 'bbc', env), sourceIdentitySettings(config, undefined, env), 'a source without settings takes the run\'s');
  assert.equal(sourceIdentitySettings(config, undefined, env).cookies, path.join(os.homedir(), 'cookies.txt'));

  // a value from the environment: read when a command fetches; unset or unfit, a ConfigError naming the variable, never the value
  const missing = (() => {
    try {
      sourceIdentitySettings(config, 'rfi', {});
    } catch (err) {
      return err;
    }
    return null;
  })();
  assert.ok(missing instanceof ConfigError);
  assert.equal(missing.message, `${FILE}: run.headers.Authorization: the environment variable RUN_TOKEN is not set`);
  assert.throws(() => sourceIdentitySettings(config, 'rfi', { RUN_TOKEN: 'Bearer x\r\nSECRET' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, `${FILE}: run.headers.Authorization: the environment variable RUN_TOKEN must not hold a line break (U+000D at character 9)`);
    return true;
  });

  const none = sourceIdentitySettings(parse(''), 'rfi');
  assert.deepEqual(none, { userAgent: undefined, headers: {}, credentials: {}, cookies: undefined, cookieJar: false });
});

test('a cookies path is relative to the config file; inside the archive it is refused unless under .newsvault/', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'newsvault-identity-config-'));
  await writeFile(path.join(dir, 'newsvault.yaml'), 'run:\n  cookies: ../outside/cookies.txt\nsources:\n  rfi: { cookies: .newsvault/rfi.txt }\n');
  const config = await loadConfig(dir);
  assert.equal(config.run.cookies, path.join(path.dirname(dir), 'outside', 'cookies.txt'));
  assert.equal(config.sources[0]?.cookies, path.join(dir, '.newsvault', 'rfi.txt'));

  for (const where of ['cookies.txt', './articles/c.txt', '.', '.newsvault', `${dir}/secret/cookies.txt`]) {
    assert.deepEqual(
      problems(`sources:\n  rfi: { cookies: "${where.replace(dir, '/archive')}" }\n`),
      [`sources.rfi.cookies: ${JSON.stringify(where.replace(dir, '/archive'))} is inside the archive, where git would keep it: keep cookies outside the archive (e.g. ~/.config/newsvault/cookies.txt) or under its git-ignored .newsvault/ folder`],
      where,
    );
  }
  assert.match(problems('run:\n  cookies: ""\n').join('\n'), /run\.cookies: must not be empty/);
  assert.match(problems('run:\n  cookies: "a\\u0000b"\n').join('\n'), /run\.cookies: must not hold control or bidi characters \(U\+0000 at character 2\)/);
  assert.match(problems('run:\n  cookieJar: sometimes\n').join('\n'), /run\.cookieJar: must be true or false, not "sometimes"/);
});

test('bad headers are refused at load, each at its own path, and no message quotes a value', () => {
  const yaml = [
    'run:',
    '  headers:',
    '    Host: evil.example',
    '    Content-Length: 5',
    '    Transfer-Encoding: chunked',
    '    Connection: close',
    '    Proxy-Authorization: "Basic SECRET-PROXY"',
    '    If-None-Match: "x"',
    '    Accept-Encoding: zstd',
    '    User-Agent: me',
    '    "Bad Name": x',
    '    "X-Split": "a\\r\\nInjected: SECRET-SPLIT"',
    '    X-Wide: "中文"',
    '    X-Empty: ""',
    '    X-Map: { a: 1 }',
    '    X-Ok: fine',
    '    Authorization: "Bearer SECRET-LITERAL"',
    '    Cookie: "a=SECRET-COOKIE"',
    '    X-Env: { env: "not a name" }',
    '    x-ok: again',
    'sources:',
    '  rfi:',
    '    userAgent: "agent\\nSECRET-UA"',
    '    headers: [ "Cookie: a=b" ]',
    '',
  ].join('\n');
  const found = problems(yaml);
  const expected = [
    'run.headers.Host: cannot be set: Host is set from the URL of each request',
    'run.headers.Content-Length: cannot be set: Content-Length describes a request body, and a GET has none',
    'run.headers.Transfer-Encoding: cannot be set: Transfer-Encoding is a hop-by-hop header, managed by the HTTP client',
    'run.headers.Connection: cannot be set: Connection is a hop-by-hop header, managed by the HTTP client',
    'run.headers.Proxy-Authorization: cannot be set: Proxy-Authorization goes to the proxy: put its credentials in the proxy URL (http://user:password@host:port)',
    "run.headers.If-None-Match: cannot be set: If-None-Match is Newsvault's own: it sends If-None-Match / If-Modified-Since from what it saw last time",
    'run.headers.Accept-Encoding: cannot be set: Accept-Encoding is gzip, deflate, br: the encodings Newsvault decodes',
    'run.headers.User-Agent: cannot be set: User-Agent is set by userAgent: (give it there)',
    "run.headers.Bad Name: is not a header name (letters, digits and !#$%&'*+.^_`|~- only)",
    'run.headers.X-Split: must not hold a line break (U+000D at character 2)',
    'run.headers.X-Wide: must hold only printable ASCII characters (U+4E2D at character 1)',
    'run.headers.X-Empty: must not be empty',
    'run.headers.X-Map: must be text or { env: VARIABLE }, not a mapping',
    'run.headers.Authorization: is a secret, and newsvault.yaml may go into git with the archive: give it as { env: VARIABLE }, set when Newsvault runs',
    'run.headers.Cookie: is a secret, and newsvault.yaml may go into git with the archive: give it as { env: VARIABLE }, set when Newsvault runs, or put the cookies in a cookies.txt (cookies:)',
    'run.headers.X-Env: { env: … } must name an environment variable (letters, digits and _), not "not a name"',
    'run.headers.x-ok: is given twice (also as X-Ok: header names are not case-sensitive)',
    'sources.rfi.userAgent: must not hold a line break (U+000A at character 6)',
    'sources.rfi.headers: must be a mapping of header names to values, e.g. { Accept-Language: zh-CN }, not a list',
  ];
  assert.deepEqual([...found].sort(), [...expected].sort());
  assert.ok(!found.join('\n').includes('SECRET'), 'no value is quoted');

  assert.match(problems(`run:\n  headers: { ${Array.from({ length: 51 }, (_, i) => `X-H${i}: v`).join(', ')} }\n`).join('\n'), /run\.headers: must hold at most 50 headers \(it holds 51\)/);
  assert.match(problems(`run:\n  userAgent: "${'a'.repeat(513)}"\n`).join('\n'), /run\.userAgent: must be at most 512 characters \(it has 513\)/);
  assert.match(problems(`run:\n  headers: { X-Long: "${'a'.repeat(8193)}" }\n`).join('\n'), /run\.headers\.X-Long: must be at most 8192 characters \(it has 8193\)/);
});

test('what sources lists and exports (sources --json, OPML) holds no header, cookie path or credential', () => {
  const config = parse(
    [
      'run:',
      '  headers: { Authorization: { env: RUN_SECRET } }',
      'sources:',
      '  rfi: { headers: { Cookie: { env: COOKIE_SECRET } }, cookies: ~/rfi-cookies.txt, userAgent: RFI-UA }',
      '  mine: { feed: https://mine.example/rss, headers: { X-Api-Key: KEY-SECRET } }',
      '',
    ].join('\n'),
  );
  const sources = resolveSources(config);
  const shown = JSON.stringify(sources) + renderOpml(sources).text;
  for (const secret of ['RUN_SECRET', 'COOKIE_SECRET', 'KEY-SECRET', 'rfi-cookies.txt', 'RFI-UA']) assert.ok(!shown.includes(secret), secret);
  assert.ok(shown.includes('https://mine.example/rss'), 'the feeds are there');
});
