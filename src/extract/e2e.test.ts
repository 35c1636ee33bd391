/**
 * End to end on 127.0.0.1 through the run: a feed whose item carries only a summary → needsFullText →
 * fetchAndExtract (with a rule the archive adds in rules/) → SourceStore.upsert with mirrorImages. The article file holds the full text in the archive format, its images are in
 * assets/ behind working relative links, a broken image stays remote, and a second pass changes nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { joinLines, parseArticle } from '../archive/index.ts';
import { FileArchive } from '../storage/index.ts';
import { runArchive, type SourceReport } from '../run/index.ts';
import { loadArchiveRules, type SiteRule } from './index.ts';
import { jpeg, listFiles, png, serve, tempDir, type TestServer } from './test-helpers.ts';

const PHOTO = jpeg();
const CHART = png(5, 3, [10, 120, 40]);
const FIRST = '港口管理局周三宣布，新的自动化码头将在今年夏天投入使用，每年可以多处理一百万个标准集装箱。';
const LAST = '管理局表示，码头启用后的第一年将保留人工操作的备用方案，以防系统出现故障。';

const longBody =
  Array.from({ length: 12 }, (_, i) => `<p>第${i + 1}段：这是一篇在订阅源里就已经是全文的文章，因此不需要再去抓取网页，这段文字只是为了让正文足够长。</p>`).join('\n') +
  '\n<p><img src="/img/photo.jpg" alt="同一张照片"></p>';

let server: TestServer;

function feedXml(base: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>测试港口新闻</title><link>${base}/</link><description>测试</description>
<item>
  <title>自动化码头今夏启用</title>
  <link>${base}/news/2024/04/port.html</link>
  <guid isPermaLink="false">port-2024-04-10</guid>
  <pubDate>Wed, 10 Apr 2024 06:30:00 GMT</pubDate>
  <description><![CDATA[<p>港口管理局周三宣布，新的自动化码头将在今年夏天投入使用……</p>]]></description>
</item>
<item>
  <title>一篇全文文章</title>
  <link>${base}/news/2024/04/full.html</link>
  <guid isPermaLink="false">full-2024-04-09</guid>
  <pubDate>Tue, 09 Apr 2024 02:00:00 GMT</pubDate>
  <description>摘要</description>
  <content:encoded><![CDATA[${longBody}]]></content:encoded>
</item>
</channel></rss>`;
}

const PAGE = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>自动化码头今夏启用 - 港口新闻</title>
<meta property="og:image" content="/img/photo.jpg">
<script>trackPageView()</script></head>
<body><nav><a href="/">首页</a></nav>
<div class="article-body">
  <p>${FIRST}</p>
  <p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/photo.jpg" alt="码头上的起重机" onerror="steal()"></p>
  <div class="share"><a href="https://share.example.test/?u=x">分享本文</a></div>
  <p>新码头将使用远程操控的起重机和无人驾驶的集卡，工作人员在控制中心里操作。</p>
  <figure><img src="charts/volume.png" alt="吞吐量图表"><figcaption>近五年的吞吐量。</figcaption></figure>
  <p><img src="/img/missing.jpg" alt="已经删除的图片"></p>
  <p>${LAST}</p>
</div>
<div class="related">相关新闻：旧码头改造</div>
</body></html>`;

before(async () => {
  server = await serve((p) => {
    if (p === '/feed.xml') return { type: 'application/rss+xml; charset=utf-8', body: feedXml(server.base) };
    if (p === '/news/2024/04/port.html') return { body: PAGE };
    if (p === '/img/photo.jpg') return { type: 'image/jpeg', body: PHOTO };
    if (p === '/news/2024/04/charts/volume.png') return { type: 'image/png', body: CHART };
    return undefined;
  });
});

after(() => server.close());

/** One run of the archive over the test feed, with images mirrored. */
async function archiveFeed(root: string, slug: string, rules: SiteRule[], now: number): Promise<{ report: SourceReport; failedImages: string[] }> {
  const run = await runArchive({
    root,
    sources: [{ slug, name: slug, feeds: [`${server.base}/feed.xml`], enabled: true }],
    rules,
    assets: true,
    now: () => now,
    fetch: { retry: { retries: 0 } },
  });
  const report = run.sources[0]!;
  const failedImages = report.warnings.map((w) => /^image (\S+) not kept/.exec(w)?.[1]).filter((u): u is string => u !== undefined);
  return { report, failedImages };
}

test('a summary-only feed item is archived in full text, with its images in assets/', async () => {
  const root = await tempDir();
  await fs.mkdir(path.join(root, 'rules'));
  await fs.writeFile(path.join(root, 'rules', '127.0.0.1.txt'), '# the test site\nbody: .article-body\nstrip: .share\n');
  const { rules, warnings } = await loadArchiveRules(root);
  assert.deepEqual(warnings, []);

  const now = Date.parse('2024-04-10T12:00:00Z');
  server.hits.length = 0;
  const first = await archiveFeed(root, 'port', rules, now);
  assert.equal(first.report.new, 2);
  assert.equal(first.report.fullText, 1);
  assert.ok(server.hits.includes('/news/2024/04/port.html'));
  assert.ok(!server.hits.includes('/news/2024/04/full.html')); // the full-text item's page is not fetched
  assert.deepEqual(first.failedImages, [`${server.base}/img/missing.jpg`]);
  // the full-text item's image is the same picture: stored once
  const fullRecord = (await new FileArchive(root).source('port')).all().find((r) => r.guid === 'full-2024-04-09')!;
  const fullBody = parseArticle(await fs.readFile(path.join(root, fullRecord.path), 'utf8'))!.contentHtml;
  assert.match(fullBody, /<img src="\.\.\/\.\.\/\.\.\/\.\.\/assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.jpg" data-original-src="http:\/\/127\.0\.0\.1:\d+\/img\/photo\.jpg" alt="同一张照片">/);

  const store = await new FileArchive(root).source('port');
  const record = store.all().find((r) => r.guid === 'port-2024-04-10')!;
  const file = path.join(root, record.path);
  const fields = parseArticle(await fs.readFile(file, 'utf8'))!;
  assert.equal(fields.title, '自动化码头今夏启用');
  assert.equal(fields.published, Date.parse('2024-04-10T06:30:00Z'));
  const body = fields.contentHtml;
  // the archive format: content lines trimmed and joined, exactly as for feed content
  assert.ok(!body.includes('\n'));
  assert.equal(body, joinLines(body));
  // the full text, not the summary; boilerplate and scripts gone
  assert.ok(body.includes(FIRST) && body.includes(LAST));
  assert.ok(body.indexOf(FIRST) < body.indexOf(LAST));
  assert.ok(body.includes('新码头将使用远程操控的起重机'));
  assert.doesNotMatch(body, /分享本文|相关新闻|首页|trackPageView|onerror|steal|……/);

  // images: two stored, each src a relative link that resolves to the stored bytes; the broken one stays remote
  const imgs = [...body.matchAll(/<img [^>]*>/g)].map((m) => m[0]);
  assert.equal(imgs.length, 3);
  const local = imgs.filter((i) => /src="\.\.\//.test(i));
  assert.equal(local.length, 2);
  const expected = new Map([
    [`${server.base}/img/photo.jpg`, PHOTO],
    [`${server.base}/news/2024/04/charts/volume.png`, CHART],
  ]);
  for (const img of local) {
    const src = /src="([^"]+)"/.exec(img)![1]!;
    const original = /data-original-src="([^"]+)"/.exec(img)![1]!;
    assert.match(src, /^\.\.\/\.\.\/\.\.\/\.\.\/assets\/[0-9a-f]{2}\/[0-9a-f]{64}\.(jpg|png)$/);
    assert.deepEqual(await fs.readFile(path.resolve(path.dirname(file), src)), expected.get(original));
  }
  assert.ok(imgs.some((i) => i.includes(`src="${server.base}/img/missing.jpg"`) && !i.includes('data-original-src')));
  const assets = (await listFiles(root)).filter((f) => f.startsWith('assets/'));
  assert.equal(assets.length, 2);

  // a second run: the same feed bytes, skipped whole; nothing fetched again, no file changed
  const before = await fs.readFile(file, 'utf8');
  server.hits.length = 0;
  const second = await archiveFeed(root, 'port', rules, now + 3600_000);
  assert.equal(second.report.sameBody, 1);
  assert.equal(second.report.new, 0);
  assert.equal(second.report.fullText, 0);
  assert.deepEqual(server.hits, ['/feed.xml']);
  assert.equal(await fs.readFile(file, 'utf8'), before);
  assert.deepEqual((await listFiles(root)).filter((f) => f.startsWith('assets/')), assets);

  // a third, the record of processed feed bodies gone: each item looked up and found unchanged, still nothing fetched
  await fs.rm(path.join(root, '.newsvault', 'feeds.json'));
  server.hits.length = 0;
  const third = await archiveFeed(root, 'port', rules, now + 7200_000);
  assert.equal(third.report.unchanged, 2);
  assert.equal(third.report.fullText, 0);
  assert.deepEqual(server.hits, ['/feed.xml']);
  assert.equal(await fs.readFile(file, 'utf8'), before);
  assert.deepEqual((await listFiles(root)).filter((f) => f.startsWith('assets/')), assets);
});
