/**
 * One reconstructed article page per catalog outlet (src/extract/testdata, see its README): the site rule
 * is used, the whole article is there (first and last paragraph), the boilerplate is gone, the metadata
 * is found, and the output is clean (no scripts, no handlers, absolute image URLs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractArticle, builtinRules } from './index.ts';
import { fixture } from './test-helpers.ts';

interface Case {
  file: string;
  url: string;
  rule: string;
  title: string;
  byline: string | null;
  published: string | null;
  lang: string;
  leadImage: string;
  first: string;
  last: string;
  /** Text that must be in the article besides first and last (captions, standfirsts, credits). */
  also?: string[];
  /** Boilerplate that must not be. */
  gone: string[];
  images: number;
}

const CASES: Case[] = [
  {
    file: 'rfi.html',
    url: 'https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240412-%E6%9F%90%E5%B8%82',
    rule: 'rfi.fr',
    title: '某市公共图书馆延长夜间开放时间',
    byline: '林晓',
    published: '2024-04-12T08:30:00.000Z',
    lang: 'zh-CN',
    leadImage: 'https://s.rfi.fr/media/display/fixture-0001/w:1280/p:16x9/library-night.jpg',
    first: '市图书馆宣布自下月起延长夜间开放时间，工作日闭馆时间从晚上八点推迟到十点。',
    last: '图书馆负责人说，如果试行三个月后夜间读者人数稳定，明年起周末也将实行同样的安排。',
    also: ['夜间仍有读者在阅览室学习。'],
    gone: ['分享到脸书', '打印本页', '相关报道：多地图书馆', '阅读更多', '订阅法广每日新闻通讯', '立即订阅', '相关新闻', '博物馆推出夜场参观', '发表时间', '首页'],
    images: 1,
  },
  {
    file: 'bbc.html',
    url: 'https://www.bbc.com/zhongwen/articles/c0fixture01/simp',
    rule: 'bbc.com',
    title: '城市灯光改变候鸟迁徙路线',
    byline: '周明',
    published: '2024-04-11T23:15:00.000Z',
    lang: 'zh-Hans',
    leadImage: 'https://ichef.bbci.co.uk/ace/ws/1024/cpsprodpb/f1x7/live/birds-city-lights.jpg',
    first: '一项新的研究发现，城市里的夜间灯光正在改变候鸟的迁徙路线，一些鸟群会绕远路避开最亮的城区。',
    last: '一些城市已经开始在迁徙季节的深夜关闭高楼外墙的装饰灯，研究团队建议更多城市效仿。',
    also: ['绕路的代价', '研究人员在三座城市追踪了鸟群的飞行路线。'],
    gone: ['广告', '相关主题', '相关内容', '海鸟数量十年下降', '头条新闻', '热读', '文章信息', 'BBC中文记者', '主页', '© 2024 BBC'],
    images: 2,
  },
  {
    file: 'voa.html',
    url: 'https://www.voachinese.com/a/river-cleanup-volunteers-20240412/7000001.html',
    rule: 'voachinese.com',
    title: '志愿者周末清理河岸垃圾',
    byline: '陈安',
    published: '2024-04-12T14:05:00.000Z',
    lang: 'zh-CN',
    leadImage: 'https://gdb.voanews.com/fixture-02/river-cleanup_w1200_r1.jpg',
    first: '数百名志愿者周六沿着河岸清理垃圾，在不到四个小时里装满了两辆卡车。',
    last: '组织者计划在秋天再举办一次清理活动，并希望沿河的企业也能派员工参加。',
    also: ['志愿者在河边捡拾塑料瓶。（资料照片）'],
    gone: ['相关新闻', '上游城市启动污水处理厂扩建', '脸书分享', '电邮分享', '美国之音记者', '美国之音 © 2024'],
    images: 1,
  },
  {
    file: 'nytimes.html',
    url: 'https://cn.nytimes.com/world/20240412/harbor-seals-return/',
    rule: 'cn.nytimes.com',
    title: '港海豹重返海湾',
    byline: '艾米莉·沃克',
    published: '2024-04-11T21:30:12.000Z',
    lang: 'zh-hans',
    leadImage: 'https://static01.nyt.com/images/2024/04/12/world/12seals/12seals-articleLarge.jpg',
    first: '在消失了将近半个世纪之后，港海豹重新出现在这片海湾，当地的观鸟者最先注意到了它们。',
    last: '当地政府已经在海豹常去的礁石周围划出季节性保护区，游船在繁殖季节必须绕行。',
    also: ['一只港海豹在礁石上休息。', '翻译：示例译者', '点击查看本文英文版。'],
    gone: ['广告', '相关报道', '座头鲸回到近海', '分享到Facebook', '分享到微博', '中英双语', '相关文章', '候鸟提前北飞'],
    images: 1,
  },
  {
    file: 'dw.html',
    url: 'https://www.dw.com/zh/%E5%9F%8E%E5%B8%82/a-68000001',
    rule: 'dw.com',
    title: '一座德国城市试行四天工作制',
    byline: '舒雅',
    published: '2024-04-12T10:12:00.000Z',
    lang: 'zh-hans',
    leadImage: 'https://static.dw.com/image/68000010_6.jpg',
    first: '(德国之声中文网) 一座德国中型城市的市政府本周开始试行四天工作制，为期一年。',
    last: '试点结束后，一所大学将评估员工满意度、病假天数和服务效率，再决定是否推广到其他部门。',
    also: ['市政府员工每周将只工作四天。'],
    gone: ['广告', '订阅德国之声中文网电子报', '相关内容', '德国劳动力短缺加剧', '分享', '推特'],
    images: 1,
  },
  {
    file: 'rfa.html',
    url: 'https://www.rfa.org/mandarin/yataibaodao/huanjing/river-0412202401.html',
    rule: 'rfa.org',
    title: '河流蓝藻暴发 沿岸居民取水受影响',
    byline: '方远',
    published: '2024-04-12T19:55:00.000Z',
    lang: 'zh-CN',
    leadImage: 'https://www.rfa.org/mandarin/yataibaodao/huanjing/river-0412202401.html/@@images/image/preview',
    first: '一条流经三个省份的河流在入春后出现了大面积的蓝藻，沿岸几个县的自来水厂被迫暂停取水。',
    last: '有环境学者认为，流域内的养殖场和化肥使用才是根本原因，仅靠打捞难以解决问题。',
    also: ['河面上漂浮着大片蓝藻。（示意图片）'],
    gone: ['分享至脸书', '相关报道', '湖泊水质持续恶化', '责编', '普通话主页', '版权所有'],
    images: 1,
  },
  {
    file: 'ftchinese.html',
    url: 'https://www.ftchinese.com/story/001100001',
    rule: 'ftchinese.com',
    title: '集装箱运费三个月下降近四成',
    byline: 'FT中文网撰稿人 高远',
    published: '2024-04-11T22:00:00.000Z',
    lang: 'zh-CN',
    leadImage: 'https://thumbor.ftacademy.cn/unsafe/1340x754/https://d1e00ek4ebabms.cloudfront.net/production/fixture-shipping.jpg',
    first: '全球集装箱运费在过去三个月里下降了近四成，航运公司开始削减运力。',
    last: '不过，也有货代公司认为，如果主要航道再出现中断，运费可能在几周内反弹。',
    gone: ['广告', '版权声明', '分享', '收藏', '下一页', '全文', '相关文章', '港口拥堵缓解', '读者评论', '航运专题'],
    images: 1,
  },
  {
    file: 'cdt.html',
    url: 'https://chinadigitaltimes.net/chinese/700001.html',
    rule: 'chinadigitaltimes.net',
    title: '【网络民议】老字号面馆搬迁引发怀旧讨论',
    byline: 'CDT编辑',
    published: '2024-04-12T03:20:45.000Z',
    lang: 'zh-CN',
    leadImage: 'https://chinadigitaltimes.net/chinese/files/2024/04/noodle-shop.jpg',
    first: '网友们在社交媒体上讨论一家老字号面馆的搬迁消息，不少人回忆起小时候跟家人去吃面的情景。',
    last: '也有网友认为，只要味道不变，搬到哪里都会有人去，不必过于伤感。',
    also: ['网友“晚风”：搬走的不只是一家店，还有一条街的烟火气。'],
    gone: ['分享到：', 'Twitter', '相关文章', '城市改造中的老街', '分类：', '标签：', '上一篇', '发表评论', '提交'],
    images: 1,
  },
  {
    file: 'reuters.html',
    url: 'https://cn.reuters.com/article/port-volume-0412-idCNKBS2XX001',
    rule: 'reuters.com',
    title: '亚洲主要港口一季度吞吐量增长',
    byline: '何嘉',
    published: '2024-04-12T07:45:00.000Z',
    lang: 'zh-CN',
    leadImage: 'https://www.reuters.com/resizer/fixture-port.jpg?width=1200',
    first: '路透北京4月12日 - 亚洲主要港口一季度集装箱吞吐量同比增长，出口订单回暖是主要推动力。',
    last: '不过，他们也提醒，运费下跌可能压缩航运公司的利润，下半年的前景仍不明朗。(完)',
    also: ['编译 何嘉；审校 林静', '港口的集装箱起重机。'],
    gone: ['订阅路透每日简报', '广告', 'Facebook', 'LinkedIn', 'Read Next', '另一篇市场报道'],
    images: 1,
  },
];

for (const c of CASES) {
  test(`${c.rule}: full article from ${c.file}, boilerplate gone, metadata found`, () => {
    const a = extractArticle(fixture(c.file), c.url);
    assert.equal(a.rule, c.rule);
    assert.deepEqual(a.warnings, []);
    assert.equal(a.title, c.title);
    assert.equal(a.byline, c.byline);
    assert.equal(a.published === null ? null : new Date(a.published).toISOString(), c.published);
    assert.equal(a.lang, c.lang);
    assert.equal(a.leadImage, c.leadImage);

    const paragraphs = a.text.split('\n\n');
    assert.ok(paragraphs.includes(c.first), `first paragraph missing:\n${a.text}`);
    assert.ok(paragraphs.includes(c.last), `last paragraph missing:\n${a.text}`);
    assert.ok(a.text.indexOf(c.first) < a.text.indexOf(c.last));
    for (const s of c.also ?? []) assert.ok(a.text.includes(s), `"${s}" missing:\n${a.text}`);
    for (const s of c.gone) {
      assert.ok(!a.text.includes(s), `boilerplate "${s}" is still in the text:\n${a.text}`);
      assert.ok(!a.contentHtml.includes(s), `boilerplate "${s}" is still in the HTML`);
    }
    // the title is in the file header, not repeated in the body
    assert.ok(!paragraphs.includes(c.title), 'the title is repeated in the body');

    // clean output
    assert.doesNotMatch(a.contentHtml, /<(script|style|nav|form|button|svg|noscript|picture|source)\b/i);
    assert.doesNotMatch(a.contentHtml, /\s(on\w+|class|style|id|srcset|data-[\w-]+)=/i);
    assert.doesNotMatch(a.contentHtml, /javascript:/i);
    const srcs = [...a.contentHtml.matchAll(/<img\b[^>]*\ssrc="([^"]*)"/g)].map((m) => m[1]!);
    assert.equal(srcs.length, c.images, `images: ${srcs.join(', ')}`);
    for (const src of srcs) assert.match(src, /^https:\/\//, 'image URLs are absolute');
    for (const m of a.contentHtml.matchAll(/\shref="([^"]*)"/g)) assert.match(m[1]!, /^(https?:|mailto:|#)/);
  });
}

test('every shipped rule has a fixture, and its test_contains is in the fixture\'s article', () => {
  const rules = builtinRules();
  assert.equal(rules.length, 9);
  for (const rule of rules) {
    const c = CASES.find((x) => x.rule === rule.name);
    assert.ok(c, `no fixture for ${rule.name}`);
    assert.ok(rule.tests.length > 0, `${rule.name} has no test_url`);
    assert.ok(rule.body.length > 0, `${rule.name} has no body selector`);
    const a = extractArticle(fixture(c.file), rule.tests[0]!.url);
    assert.equal(a.rule, rule.name, `${rule.tests[0]!.url} does not select ${rule.name}`);
    for (const s of rule.tests[0]!.contains) assert.ok(a.text.includes(s), `${rule.name}: "${s}" not found`);
  }
});

test('generic fallback: a site without a rule gets Readability, sidebar/comments/footer left out', () => {
  const a = extractArticle(fixture('generic.html'), 'https://weekly.example.org/a/2024/04/bookshop');
  assert.equal(a.rule, 'generic');
  assert.equal(a.title, '山城老街的最後一家書店');
  assert.equal(a.byline, '王小雲');
  assert.equal(a.published, Date.parse('2024-04-10T01:00:00Z'));
  assert.equal(a.lang, 'zh-TW');
  const paragraphs = a.text.split('\n\n');
  assert.equal(paragraphs[0], '在山城老街的盡頭，一家開了四十多年的書店仍然每天早上九點準時開門，老闆說只要還有人來，就會一直開下去。');
  assert.equal(paragraphs.at(-1), '記者離開時，一位國中生正蹲在角落裡翻看一本舊漫畫，老闆笑著說：「慢慢看，不趕時間。」');
  for (const s of ['熱門文章', '廣告位招租', '留言', '好懷念那家書店', '關於我們', '登入']) assert.ok(!a.text.includes(s), s);
  // relative image resolved against the page URL
  assert.match(a.contentHtml, /<img [^>]*src="https:\/\/weekly\.example\.org\/a\/2024\/04\/images\/bookshop\.jpg"/);
  assert.equal(a.leadImage, 'https://weekly.example.org/a/2024/04/images/bookshop.jpg');
});

test('a rule whose body selectors match nothing falls back to the generic extractor, with a warning', () => {
  // the RFI rule on a page of another layout
  const html = fixture('generic.html');
  const a = extractArticle(html, 'https://www.rfi.fr/cn/other-layout');
  assert.equal(a.rule, 'generic');
  assert.match(a.warnings.join('\n'), /rule rfi\.fr: no body selector matched/);
  assert.ok(a.text.includes('山城老街的盡頭'));
});
