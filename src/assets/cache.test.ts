/** ImageCache: mirrorImages calls sharing one (a run's articles) request each image URL once, failures included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileArchive } from '../storage/index.ts';
import { png, serve, tempDir } from '../extract/test-helpers.ts';
import { ImageCache, mirrorImages } from './index.ts';

const article = (n: number) => `articles/rfi/2024/04-1${n}/0630_x_abcdefghi${n}.md`;

test('articles sharing a cache fetch each image once; a failure is remembered; another policy is another entry', async () => {
  const server = await serve({ '/a.png': { type: 'image/png', body: png(3, 3) } });
  try {
    const root = await tempDir();
    const archive = new FileArchive(root);
    const cache = new ImageCache();
    const html = `<p><img src="${server.base}/a.png"><img src="${server.base}/gone.png"></p>`;
    const results = await Promise.all([1, 2, 3].map((n) => mirrorImages(html, { archive, articlePath: article(n), cache, fetch: { retry: { retries: 0 } } })));
    assert.equal(server.hits.filter((h) => h === '/a.png').length, 1);
    assert.equal(server.hits.filter((h) => h === '/gone.png').length, 1);
    for (const r of results) {
      assert.equal(r.saved.length, 1);
      assert.match(r.html, /src="\.\.\/\.\.\/\.\.\/\.\.\/assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.png" data-original-src=/);
      assert.deepEqual(
        r.failed.map((f) => f.url),
        [`${server.base}/gone.png`],
      );
      assert.match(r.failed[0]!.reason, /HTTP 404/);
    }
    assert.equal(results.filter((r) => !r.saved[0]!.existed).length, 1, 'one article stored it, the others found it stored');
    assert.equal(cache.size, 2);

    // the same URL under another policy is not answered from what the first policy fetched
    const strict = await mirrorImages(html, { archive, articlePath: article(4), cache, fetch: { trustLocation: false, allowPrivateNetworks: false } });
    assert.equal(strict.saved.length, 0);
    assert.ok(strict.failed.every((f) => /refused: 127\.0\.0\.1 is a loopback address/.test(f.reason)));
    assert.equal(server.hits.length, 2, 'and the refusal sent nothing');

    // without a cache, each call fetches (as before)
    await mirrorImages(html, { archive, articlePath: article(5), fetch: { retry: { retries: 0 } } });
    assert.equal(server.hits.filter((h) => h === '/a.png').length, 2);
  } finally {
    await server.close();
  }
});
