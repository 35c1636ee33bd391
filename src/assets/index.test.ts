/** mirrorImages against images served from 127.0.0.1, and the tag scanner it rewrites with. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { assetsIn, mirrorImages } from './index.ts';
import { FileArchive } from '../storage/index.ts';
import { scanTags } from './tags.ts';
import { gif, jpeg, listFiles, png, serve, tempDir, webp, type TestServer } from '../extract/test-helpers.ts';

const IMAGES = { png: png(3, 2), jpeg: jpeg(), gif: gif(), webp: webp(), other: png(4, 4, [0, 90, 200]) };
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
const ARTICLE = 'articles/rfi/2024/04-12/1630_标题_abcdefghij.md';

let server: TestServer;

before(async () => {
  server = await serve({
    '/a.png': { type: 'image/png', body: IMAGES.png },
    '/b.jpg': { type: 'image/jpeg', body: IMAGES.jpeg },
    '/c.gif': { type: 'image/gif', body: IMAGES.gif },
    '/d.webp': { type: 'image/webp', body: IMAGES.webp },
    '/same-as-a.png': { type: 'image/png', body: IMAGES.png },
    '/lying.jpg': { type: 'image/jpeg', body: IMAGES.other }, // a PNG called .jpg, served as JPEG
    '/no-type': { type: null, body: IMAGES.jpeg },
    '/pic.svg': { type: 'image/svg+xml', body: SVG },
    '/error-page.jpg': { type: 'text/html', body: '<!DOCTYPE html><html><body>Not here</body></html>' },
    '/big.png': { type: 'image/png', body: Buffer.concat([IMAGES.png, Buffer.alloc(300_000)]) },
    '/empty.png': { type: 'image/png', body: Buffer.alloc(0) },
    ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`/a.png?n=${i}`, { type: 'image/png', body: IMAGES.png }])),
  });
});

after(() => server.close());

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

test('images are stored content-addressed, src points at them relatively, the original URL is kept', async () => {
  const root = await tempDir();
  const html = `<p>前文</p>
<img src="${server.base}/a.png" alt="甲" width="300">
<p><img alt='乙' src='${server.base}/b.jpg' srcset="${server.base}/b.jpg 1x, ${server.base}/b2.jpg 2x" /></p>
<img src=${server.base}/c.gif><IMG SRC="${server.base}/d.webp" ALT="丁">
<img src="${server.base}/same-as-a.png" alt="重复内容"><img src="${server.base}/a.png" alt="重复地址">
<p>后文 &amp; 结尾</p>`;
  const result = await mirrorImages(html, { archive: new FileArchive(root), articlePath: ARTICLE });
  assert.deepEqual(result.failed, []);
  const pathOf = (buf: Buffer, ext: string) => `assets/${sha(buf).slice(0, 2)}/${sha(buf)}.${ext}`;
  assert.deepEqual(
    result.saved.map((s) => [s.url.replace(server.base, ''), s.path, s.type, s.bytes]),
    [
      ['/a.png', pathOf(IMAGES.png, 'png'), 'image/png', IMAGES.png.length],
      ['/b.jpg', pathOf(IMAGES.jpeg, 'jpg'), 'image/jpeg', IMAGES.jpeg.length],
      ['/c.gif', pathOf(IMAGES.gif, 'gif'), 'image/gif', IMAGES.gif.length],
      ['/d.webp', pathOf(IMAGES.webp, 'webp'), 'image/webp', IMAGES.webp.length],
      ['/same-as-a.png', pathOf(IMAGES.png, 'png'), 'image/png', IMAGES.png.length],
    ],
  );
  // one file per content; the files hold the served bytes
  const files = await listFiles(root);
  assert.deepEqual(files, [pathOf(IMAGES.png, 'png'), pathOf(IMAGES.jpeg, 'jpg'), pathOf(IMAGES.gif, 'gif'), pathOf(IMAGES.webp, 'webp')].sort());
  for (const [buf, ext] of [[IMAGES.png, 'png'], [IMAGES.jpeg, 'jpg'], [IMAGES.gif, 'gif'], [IMAGES.webp, 'webp']] as const) {
    assert.deepEqual(await fs.readFile(path.join(root, pathOf(buf, ext))), buf);
  }
  // every rewritten src resolves, from the article's folder, to the stored file
  const srcs = [...result.html.matchAll(/<img\b[^>]*?\ssrc="([^"]+)"[^>]*?data-original-src="([^"]+)"/gi)];
  assert.equal(srcs.length, 6);
  for (const [, src, original] of srcs) {
    assert.ok(src!.startsWith('../../../../assets/'), src);
    const file = path.join(root, path.dirname(ARTICLE), src!);
    const served = (await fetch(original!)).arrayBuffer();
    assert.deepEqual(await fs.readFile(file), Buffer.from(await served));
  }
  // only the img tags changed: the rest is byte for byte the same
  const strip = (s: string) => s.replace(/<img\b[^>]*>/gi, '<IMG>');
  assert.equal(strip(result.html), strip(html));
  assert.match(result.html, /<img src="\.\.\/\.\.\/\.\.\/\.\.\/assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.png" data-original-src="http:\/\/127\.0\.0\.1:\d+\/a\.png" alt="甲" width="300">/);
  assert.match(result.html, /<img alt='乙' src="[^"]+\.jpg" data-original-src="[^"]+\/b\.jpg" \/>/); // srcset gone, self-closing kept
  assert.match(result.html, /<img src="[^"]+\.webp" data-original-src="[^"]+\/d\.webp" ALT="丁">/);
});

test('running twice changes nothing and fetches nothing', async () => {
  const root = await tempDir();
  const html = `<img src="${server.base}/a.png"><img src="${server.base}/pic.svg"><img src="${server.base}/b.jpg" srcset="x 2x">`;
  const first = await mirrorImages(html, { archive: new FileArchive(root), articlePath: ARTICLE });
  assert.equal(first.saved.length, 2);
  const files = await listFiles(root);
  const mtimes = await Promise.all(files.map(async (f) => (await fs.stat(path.join(root, f))).mtimeMs));
  server.hits.length = 0;
  const second = await mirrorImages(first.html, { archive: new FileArchive(root), articlePath: ARTICLE });
  assert.equal(second.html, first.html);
  assert.deepEqual(second.saved, []);
  assert.deepEqual(await listFiles(root), files);
  assert.deepEqual(await Promise.all(files.map(async (f) => (await fs.stat(path.join(root, f))).mtimeMs)), mtimes);
  assert.deepEqual(server.hits, ['/pic.svg']); // only the failed one is retried

  // the same image in another article: the stored file is reused
  const other = await mirrorImages(`<img src="${server.base}/a.png">`, { archive: new FileArchive(root), articlePath: 'articles/bbc/2023/01-01/0000_x_abcdefghij.md' });
  assert.equal(other.saved[0]!.existed, true);
  assert.deepEqual(await listFiles(root), files);
});

test('known: an article\'s raw HTML mirrored again reuses its stored images without a request', async () => {
  const root = await tempDir();
  const raw = `<p>正文</p><img src="${server.base}/a.png" alt="甲"><img src="${server.base}/b.jpg">`;
  const first = await mirrorImages(raw, { archive: new FileArchive(root), articlePath: ARTICLE });
  const known = assetsIn(first.html, ARTICLE);
  assert.deepEqual([...known.keys()], [`${server.base}/a.png`, `${server.base}/b.jpg`]);
  for (const rel of known.values()) assert.match(rel, /^assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.(png|jpg)$/);
  server.hits.length = 0;
  const again = await mirrorImages(raw, { archive: new FileArchive(root), articlePath: ARTICLE, known });
  assert.equal(again.html, first.html);
  assert.deepEqual(server.hits, []);
  assert.ok(again.saved.every((s) => s.existed));
  // a known path whose file is gone is fetched again
  await fs.rm(path.join(root, known.get(`${server.base}/b.jpg`)!));
  const repaired = await mirrorImages(raw, { archive: new FileArchive(root), articlePath: ARTICLE, known });
  assert.equal(repaired.html, first.html);
  assert.deepEqual(server.hits, ['/b.jpg']);
  // paths outside assets/ are never taken from the map
  const bogus = new Map([[`${server.base}/a.png`, '../../etc/passwd']]);
  server.hits.length = 0;
  await mirrorImages(raw, { archive: new FileArchive(root), articlePath: ARTICLE, known: bogus });
  assert.deepEqual(server.hits, ['/a.png', '/b.jpg']);
});

test('type sniffing: the bytes decide, not the name or the Content-Type; SVG and non-images are refused', async () => {
  const root = await tempDir();
  const html = [
    `<img src="${server.base}/lying.jpg">`,
    `<img src="${server.base}/no-type">`,
    `<img src="${server.base}/pic.svg">`,
    `<img src="${server.base}/error-page.jpg">`,
    `<img src="${server.base}/empty.png">`,
  ].join('');
  const result = await mirrorImages(html, { archive: new FileArchive(root), articlePath: ARTICLE });
  assert.deepEqual(
    result.saved.map((s) => [s.url.replace(server.base, ''), s.type, path.extname(s.path)]),
    [
      ['/lying.jpg', 'image/png', '.png'],
      ['/no-type', 'image/jpeg', '.jpg'],
    ],
  );
  const reasons = Object.fromEntries(result.failed.map((f) => [f.url.replace(server.base, ''), f.reason]));
  assert.match(reasons['/pic.svg']!, /SVG images are not mirrored/);
  assert.match(reasons['/error-page.jpg']!, /not a supported image \(an HTML page, served as text\/html\)/);
  assert.match(reasons['/empty.png']!, /empty response/);
  // failed images keep their remote src; no SVG, HTML or empty file was written
  assert.ok(result.html.includes(`<img src="${server.base}/pic.svg">`));
  assert.ok(result.html.includes(`<img src="${server.base}/error-page.jpg">`));
  assert.ok((await listFiles(root)).every((f) => /\.(png|jpg)$/.test(f)));
});

test('caps: bytes per image and images per article', async () => {
  const root = await tempDir();
  const big = await mirrorImages(`<img src="${server.base}/big.png"><img src="${server.base}/a.png">`, {
    archive: new FileArchive(root),
    articlePath: ARTICLE,
    maxBytesPerImage: 100_000,
  });
  assert.equal(big.saved.length, 1);
  assert.equal(big.failed.length, 1);
  assert.match(big.failed[0]!.reason, /larger than 97\.7 KiB/);
  assert.ok(big.html.includes(`<img src="${server.base}/big.png">`));

  const many = Array.from({ length: 5 }, (_, i) => `<img src="${server.base}/a.png?n=${i}">`).join('');
  const capped = await mirrorImages(many, { archive: new FileArchive(root), articlePath: ARTICLE, maxImages: 3 });
  assert.equal(capped.saved.length, 3);
  assert.deepEqual(
    capped.failed.map((f) => [f.url.replace(server.base, ''), f.reason]),
    [
      ['/a.png?n=3', 'over the limit of 3 images per article'],
      ['/a.png?n=4', 'over the limit of 3 images per article'],
    ],
  );
});

test('only http(s): javascript:, file:, data: and local paths are never fetched; relative URLs need a base', async () => {
  const root = await tempDir();
  await fs.writeFile(path.join(root, 'secret.png'), IMAGES.png);
  server.hits.length = 0;
  const html = [
    '<img src="javascript:alert(1)">',
    `<img src="file://${path.join(root, 'secret.png')}">`,
    `<img src="${path.join(root, 'secret.png')}">`,
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<img src="ftp://example.test/x.png">',
    '<img src="relative/a.png">',
    '<img>',
  ].join('');
  const result = await mirrorImages(html, { archive: new FileArchive(root), articlePath: ARTICLE });
  assert.equal(result.html, html);
  assert.deepEqual(result.saved, []);
  assert.deepEqual(
    result.failed.map((f) => f.reason),
    ['only http and https images are mirrored (javascript:)', 'only http and https images are mirrored (file:)', 'only http and https images are mirrored (ftp:)'],
  );
  assert.deepEqual(server.hits, []);
  assert.deepEqual(await listFiles(root), ['secret.png']);

  const based = await mirrorImages('<img src="/a.png"><img src="b.jpg">', { archive: new FileArchive(root), articlePath: ARTICLE, baseUrl: `${server.base}/news/` });
  assert.deepEqual(based.saved.map((s) => s.url), [`${server.base}/a.png`]);
  assert.deepEqual(based.failed.map((f) => f.url), [`${server.base}/news/b.jpg`]);
  assert.match(based.html, /^<img src="\.\.\/[^"]+\.png" data-original-src="http:\/\/127\.0\.0\.1:\d+\/a\.png"><img src="b\.jpg">$/);
});

test('a failed download never throws: unreachable host, 404, timeout', async () => {
  const root = await tempDir();
  const html = `<img src="http://127.0.0.1:1/x.png"><img src="${server.base}/missing.png"><img src="${server.base}/a.png">`;
  const result = await mirrorImages(html, { archive: new FileArchive(root), articlePath: ARTICLE, fetch: { timeoutMs: 5000 } });
  assert.equal(result.saved.length, 1);
  assert.deepEqual(
    result.failed.map((f) => f.url.replace(server.base, '')),
    ['http://127.0.0.1:1/x.png', '/missing.png'],
  );
  assert.match(result.failed[0]!.reason, /could not connect/);
  assert.match(result.failed[1]!.reason, /HTTP 404/);
  assert.ok(result.html.startsWith('<img src="http://127.0.0.1:1/x.png">'));
});

test('<picture>: the <source> srcsets of a mirrored image are set aside so the local file shows', async () => {
  const root = await tempDir();
  const html = `<picture><source type="image/webp" srcset="${server.base}/d.webp 1x"><img src="${server.base}/a.png" alt="x"></picture><picture><source srcset="${server.base}/nothing.webp"><img src="${server.base}/missing.png"></picture>`;
  const result = await mirrorImages(html, { archive: new FileArchive(root), articlePath: ARTICLE });
  assert.match(result.html, /^<picture><source type="image\/webp" data-original-srcset="http:\/\/127\.0\.0\.1:\d+\/d\.webp 1x"><img src="\.\.\/[^"]+\.png" data-original-src="[^"]+" alt="x"><\/picture>/);
  assert.ok(result.html.endsWith(`<picture><source srcset="${server.base}/nothing.webp"><img src="${server.base}/missing.png"></picture>`));
});

test('no temporary files are left behind; the archive\'s .newsvault/tmp is used when it exists', async () => {
  const root = await tempDir();
  await fs.mkdir(path.join(root, '.newsvault', 'tmp'), { recursive: true });
  await mirrorImages(`<img src="${server.base}/a.png"><img src="${server.base}/b.jpg">`, { archive: new FileArchive(root), articlePath: ARTICLE });
  assert.deepEqual(await fs.readdir(path.join(root, '.newsvault', 'tmp')), []);
  assert.ok((await listFiles(root)).every((f) => !f.endsWith('.tmp')));
  await assert.rejects(mirrorImages('<img src="http://x.test/a.png">', { archive: new FileArchive(root), articlePath: '../outside/a.md' }), RangeError);
});

test('the tag scanner: comments, raw text, quoting, entities, case', () => {
  const html = `<!-- <img src="in-comment.png"> --><script>var s = '<img src="in-script.png">';</script><style>/* <img src=x> */</style>
<textarea><img src="in-textarea.png"></textarea><img src="a.png?x=1&amp;y=2" alt="a &gt; b"><IMG
  SRC = 'b.png'  data-x=unquoted><img src=c.png/><img/src="d.png"><picture><source srcset="s.webp"><img src="e.png"></picture>`;
  const tags = scanTags(html, new Set(['img', 'source']), new Set(['picture']));
  assert.deepEqual(
    tags.map((t) => [t.name, t.attrs.map((a) => `${a.name}=${a.value}`).join(' ')]),
    [
      ['img', 'src=a.png?x=1&y=2 alt=a > b'],
      ['img', 'src=b.png data-x=unquoted'],
      ['img', 'src=c.png/'],
      ['img', 'src=d.png'],
      ['source', 'srcset=s.webp'],
      ['img', 'src=e.png'],
      ['/picture', ''],
    ],
  );
  for (const t of tags) assert.ok(html.slice(t.start, t.end).startsWith('<'));
  assert.equal(html.slice(tags[1]!.start, tags[1]!.end), "<IMG\n  SRC = 'b.png'  data-x=unquoted>");
});
