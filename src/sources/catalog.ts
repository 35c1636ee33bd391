/**
 * The catalog: the nine Chinese-language international outlets this archive exists for.
 *
 * How the feed URLs were checked: the machine this was written on reaches no web site, so
 * nothing below was fetched live. Each URL was looked up in stored copies of public material
 * (public GitHub code, GitHub issue threads, web pages) and kept only where several independent
 * projects poll exactly that address:
 *
 * - rfi       https://www.rfi.fr/cn/rss: in the feed lists of many unrelated projects; an RSSHub
 *             issue (DIYgod/RSSHub#4096) gives it as RFI Chinese's own feed.
 * - bbc       https://feeds.bbci.co.uk/zhongwen/simp/rss.xml: in many projects' lists (the
 *             traditional-character twin is .../zhongwen/trad/rss.xml).
 * - voa       voachinese.com serves its feeds under /api/<code>. /api/zm_yql-vomx-tpeybti is the
 *             one used by about ten unrelated projects for VOA Chinese news (some use the
 *             m.voachinese.com host), so it is kept. VOA put its staff on leave on 15 March
 *             2025 and mostly stopped publishing (news reports), so the note says the feed may
 *             be stale.
 * - nytimes   https://cn.nytimes.com/rss/: in many projects; one project's audit of its sources
 *             records it answering 200 and still updating.
 * - dw        https://rss.dw.com/rdf/rss-chi-all: an RDF (RSS 1.0) feed, so the parse stage
 *             gets format 'rdf' here. In many projects; one audit records it still updating.
 * - rfa       https://www.rfa.org/mandarin/yataibaodao/rss2.xml: used by several older
 *             projects. Newer ones use https://www.rfa.org/arc/outboundfeeds/mandarin/rss/
 *             instead, which points to a site move. RFA also cut most of its staff in March
 *             2025 and stopped all news production on 31 October 2025 (news reports). The URL
 *             is kept as given, the note says all this, and a user can override the feed in
 *             newsvault.yaml.
 * - ftchinese https://www.ftchinese.com/rss/news: in many projects' lists (/rss/feed is FT
 *             Chinese's other general feed).
 * - reuters   No feed. Reuters switched off all its RSS feeds, cn.reuters.com's included, in
 *             June 2020 (DIYgod/RSSHub#5051; QubesOS/qubes-issues#5926 on feeds.reuters.com
 *             no longer resolving). No address is made up here.
 * - cdt       https://chinadigitaltimes.net/chinese/feed/: WordPress's standard feed path; in
 *             many projects.
 */
import type { Source } from '../domain.ts';

/** Freezes a catalog entry (and its feed list) so no stage can change the catalog by accident. */
function entry(source: Source): Source {
  Object.freeze(source.feeds);
  return Object.freeze(source);
}

export const CATALOG: readonly Source[] = Object.freeze([
  entry({
    slug: 'rfi',
    name: '法广 RFI',
    nameZh: '法广',
    nameEn: 'Radio France Internationale',
    homepage: 'https://www.rfi.fr/cn/',
    feeds: ['https://www.rfi.fr/cn/rss'],
    enabled: true,
  }),
  entry({
    slug: 'bbc',
    name: 'BBC 中文',
    nameZh: 'BBC 中文网',
    nameEn: 'BBC News Chinese',
    homepage: 'https://www.bbc.com/zhongwen/simp',
    feeds: ['https://feeds.bbci.co.uk/zhongwen/simp/rss.xml'],
    enabled: true,
  }),
  entry({
    slug: 'voa',
    name: '美国之音 VOA 中文',
    nameZh: '美国之音',
    nameEn: 'Voice of America Chinese',
    homepage: 'https://www.voachinese.com/',
    feeds: ['https://www.voachinese.com/api/zm_yql-vomx-tpeybti'],
    enabled: true,
    note: 'VOA has mostly stopped publishing since March 2025, when its staff were put on leave, so this feed may be stale.',
  }),
  entry({
    slug: 'nytimes',
    name: '纽约时报中文网 NYT',
    nameZh: '纽约时报中文网',
    nameEn: 'The New York Times Chinese',
    homepage: 'https://cn.nytimes.com/',
    feeds: ['https://cn.nytimes.com/rss/'],
    enabled: true,
  }),
  entry({
    slug: 'dw',
    name: '德国之声 DW 中文',
    nameZh: '德国之声',
    nameEn: 'Deutsche Welle Chinese',
    homepage: 'https://www.dw.com/zh/',
    feeds: ['https://rss.dw.com/rdf/rss-chi-all'],
    enabled: true,
  }),
  entry({
    slug: 'rfa',
    name: '自由亚洲电台 RFA 普通话',
    nameZh: '自由亚洲电台',
    nameEn: 'Radio Free Asia Mandarin',
    homepage: 'https://www.rfa.org/mandarin/',
    feeds: ['https://www.rfa.org/mandarin/yataibaodao/rss2.xml'],
    enabled: true,
    note:
      'RFA stopped all news production on 31 October 2025 and has moved its site, so this feed may be gone or stale. ' +
      'Newer feed readers poll https://www.rfa.org/arc/outboundfeeds/mandarin/rss/; to try it, set feed: in newsvault.yaml.',
  }),
  entry({
    slug: 'ftchinese',
    name: 'FT 中文网',
    nameZh: 'FT中文网',
    nameEn: 'Financial Times Chinese',
    homepage: 'https://www.ftchinese.com/',
    feeds: ['https://www.ftchinese.com/rss/news'],
    enabled: true,
  }),
  entry({
    slug: 'reuters',
    name: '路透 Reuters 中文',
    nameZh: '路透中文网',
    nameEn: 'Reuters Chinese',
    homepage: 'https://cn.reuters.com/',
    feeds: [],
    enabled: false,
    note: 'Reuters Chinese stopped publishing feeds: Reuters switched off all its RSS feeds in June 2020, so there is nothing to poll.',
  }),
  entry({
    slug: 'cdt',
    name: '中国数字时代 China Digital Times',
    nameZh: '中国数字时代',
    nameEn: 'China Digital Times',
    homepage: 'https://chinadigitaltimes.net/chinese/',
    feeds: ['https://chinadigitaltimes.net/chinese/feed/'],
    enabled: true,
  }),
]);

/** The catalog entry with this slug, or undefined. */
export function catalogSource(slug: string): Source | undefined {
  return CATALOG.find((source) => source.slug === slug);
}
