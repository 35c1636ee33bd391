/**
 * The parse stage on real feeds, compared with what two other parsers make of them
 * (results and judgements: docs/corpus.md).
 *
 * Corpus: /work/shared/dev-corpus (other people's data; read in place, never copied here):
 *   - feeds/rowanmanning-sample-feeds: content/<suite>/<hash>/feed.xml, and the JSON snapshot that
 *     @rowanmanning/feed-parser makes of it in test/integration/snapshots/<suite>/<hash>.json;
 *   - feeds/rss-parser: test/input/X, and rss-parser's golden output test/output/X.json.
 *
 * Their output is evidence, not law. For every feed and every compared field, items where we differ
 * must be exactly those listed in KNOWN below: a difference we have judged (by reading the feed and
 * the spec) to be right on our side, with one example pinned to its exact values. A new difference,
 * or a known one that goes away or changes, fails the test. Bugs the corpus showed in our parser were
 * fixed instead, with regression tests in src/parse/xml/index.test.ts.
 *
 * Both sides are normalised before comparing, so that only meaning is compared (docs/corpus.md):
 * text fields have white space collapsed and trimmed, "" counts as absent; links are compared in
 * WHATWG-serialised form; categories are de-duplicated; dates are compared in ms.
 *
 * `CORPUS_REPORT=1` prints the per-field agreement table used in docs/corpus.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeedItem } from '../src/domain.ts';
import { FeedParseError, parseFeed } from '../src/parse/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const devCorpus = path.resolve(repoRoot, '../shared/dev-corpus');
const rowanRoot = path.join(devCorpus, 'feeds/rowanmanning-sample-feeds');
const rssParserRoot = path.join(devCorpus, 'feeds/rss-parser/test');

const FIELDS = ['id', 'title', 'link', 'published', 'content', 'author', 'categories', 'enclosures'] as const;
type Field = (typeof FIELDS)[number];

/** One item reduced to what is compared. `enclosures: undefined` = not compared for this item. */
interface Comparable {
  id: string | null;
  title: string;
  link: string | null;
  published: number | null;
  /** Whether there is a body: our `content`; their content or description. */
  content: boolean;
  author: string | null;
  categories: string[];
  enclosures: string[] | undefined;
}

interface Case {
  /** `rowanmanning:<suite>/<hash>` or `rss-parser:<file>`. */
  key: string;
  label: string;
  feedPath: string;
  /** The URL the other parser's snapshot says the feed was read from: our base for relative links. */
  url?: string;
  theirs?: Comparable[];
  /** Why there is nothing to compare with. */
  skip?: string;
  /** Not a feed: parseFeed must reject with this message. */
  error?: RegExp;
}

// ---------------------------------------------------------------------------------------------
// Known, justified differences. `count` = items where the normalised field differs; `example`
// pins one of them. The reasons (R.*) are explained in full in docs/corpus.md.
// ---------------------------------------------------------------------------------------------

const R = {
  rssFeedAuthor:
    "theirs gives RSS items without an author the channel's managingEditor/webMaster/itunes:author. Those are contacts for the channel (RSS 2.0), not the item's writer; only Atom defines inheritance (RFC 4287 §4.2.1), which we follow",
  rssFeedCategory: "theirs gives RSS items without a category the channel's <category>/<itunes:category>; a channel's category is not the item's",
  atomPublishedFallback:
    'the entry has only <updated>; theirs leaves published null, ours falls back to updated (documented: the archive files every article under a date, and Atom requires updated)',
  guidPermalink:
    'the item has no <link> but a <guid> without isPermaLink="false", which RSS 2.0 says the reader may take as the permalink; theirs ignores it',
  brokenXml:
    'the feed is not well-formed (a stray </media:content> inside the item); theirs drops the <media:group> after it, ours (sax, forgiving) still reads it',
  mojibake: 'the feed is ISO-8859-1 (declared, or detected: uolNoticias declares nothing); theirs decoded it as UTF-8 into U+FFFD',
  atomCategories: 'rss-parser does not read Atom <category term>; ours does',
  atomFeedAuthor: 'Atom entry without <author> inherits the feed <author> (RFC 4287 §4.2.1); rss-parser leaves it empty',
  itunesAuthor: "item-level <itunes:author> is the episode's author; rss-parser keeps it under item.itunes only",
  atomRelative:
    'Atom <link href> relative references must be resolved (RFC 4287 §4.2.7.1, xml:base then the document URI); rss-parser returns them unresolved',
  titleMarkup:
    'the title holds escaped HTML (&lt;sup&gt;, &amp;#x0024;); a title is plain text, so ours strips the tags and decodes the character references; theirs keeps the markup',
  dcSubject: 'RSS 1.0 <dc:subject> is the Dublin Core category; rss-parser does not read it',
  xml2jsEmpty:
    'the feed has <description><![CDATA[]]></description>; this golden was made with xml2js emptyTag:"EMPTY", so theirs holds the placeholder "EMPTY"; there is no body',
} as const;

interface Known {
  feed: string;
  field: Field;
  count: number;
  example: { item: number; theirs: unknown; ours: unknown };
  why: string;
}

const KNOWN: Known[] = [
  // FeedForAll Sample Feed - Favorite RSS Related Software & Resources (managingEditor / channel <category>)
  { feed: 'rowanmanning:examples/232baf9ba6111e115e400a7e81beb34d', field: 'author', count: 3, example: { item: 0, theirs: 'marketing@feedforall.com', ours: null }, why: R.rssFeedAuthor },
  { feed: 'rowanmanning:examples/232baf9ba6111e115e400a7e81beb34d', field: 'categories', count: 3, example: { item: 0, theirs: ['Computers/Software/Internet/Site Management/Content Management'], ours: [] }, why: R.rssFeedCategory },
  // FeedForAll Sample Feed
  { feed: 'rowanmanning:examples/23f07db95d2d9a8b422a186600eae22c', field: 'author', count: 9, example: { item: 0, theirs: 'marketing@feedforall.com', ours: null }, why: R.rssFeedAuthor },
  // Apple Example Podcast (channel itunes:author / itunes:category)
  { feed: 'rowanmanning:examples/252e034a6870a2a1e1580f8dd148c795', field: 'author', count: 9, example: { item: 0, theirs: 'The Sunset Explorers', ours: null }, why: R.rssFeedAuthor },
  { feed: 'rowanmanning:examples/252e034a6870a2a1e1580f8dd148c795', field: 'categories', count: 9, example: { item: 0, theirs: ['Sports/Wilderness'], ours: [] }, why: R.rssFeedCategory },
  // RSS Board 2.0 Sample Feed
  { feed: 'rowanmanning:examples/30493cdf1415a6cdc2f599c828d1b19c', field: 'author', count: 4, example: { item: 0, theirs: 'editor@example.com', ours: null }, why: R.rssFeedAuthor },
  { feed: 'rowanmanning:examples/30493cdf1415a6cdc2f599c828d1b19c', field: 'link', count: 1, example: { item: 1, theirs: null, ours: 'http://liftoff.msfc.nasa.gov/2003/05/30.html#item572' }, why: R.guidPermalink },
  // Atom Spec Example Feed
  { feed: 'rowanmanning:examples/64968fb0e3685ef07a3e2a27b8d64c01', field: 'published', count: 1, example: { item: 0, theirs: null, ours: Date.UTC(2003, 11, 13, 18, 30, 2) }, why: R.atomPublishedFallback },
  // Microsoft Start Example Atom Feed: the second entry is a takedown notice with <updated> only
  { feed: 'rowanmanning:examples/222780a7caac12b938dfe09cd7d138f9', field: 'published', count: 1, example: { item: 1, theirs: null, ours: Date.UTC(2017, 9, 2, 13, 0, 0, 520) }, why: R.atomPublishedFallback },
  // RSS Board 0.91 / 0.92 Sample Feeds
  { feed: 'rowanmanning:examples/7ccc640813a8df63537cea130230fe7a', field: 'author', count: 6, example: { item: 0, theirs: 'editor@writetheweb.com', ours: null }, why: R.rssFeedAuthor },
  { feed: 'rowanmanning:examples/aeca006f4cc8625d587d6b1c25669b96', field: 'author', count: 22, example: { item: 0, theirs: 'Dave Winer', ours: null }, why: R.rssFeedAuthor },
  // Microsoft Start Example RSS Feed
  {
    feed: 'rowanmanning:examples/b9a3aa1b3f1d9c9446bf7166ef1f1aa8',
    field: 'enclosures',
    count: 1,
    example: {
      item: 0,
      theirs: ['https://v3spec.msn.com/image1.jpg image/jpeg -', 'https://v3spec.msn.com/video.mp4 video/mp4 -'],
      ours: ['https://v3spec.msn.com/image1.jpg image/jpeg -', 'https://v3spec.msn.com/video.mp4 video/mp4 -', 'https://v3spec.msn.com/image2.jpg image/jpeg -'],
    },
    why: R.brokenXml,
  },
  // Python feedparser RDF 1.0 Example / RSS 2.0 with namespaces Example (channel dc:creator)
  { feed: 'rowanmanning:examples/bafde7eafa7b3c5201afdb7851382ac1', field: 'author', count: 1, example: { item: 0, theirs: 'Mark Pilgrim', ours: null }, why: R.rssFeedAuthor },
  { feed: 'rowanmanning:examples/d90de12e664705f278555918d8f26bdf', field: 'author', count: 1, example: { item: 0, theirs: 'Mark Pilgrim', ours: null }, why: R.rssFeedAuthor },
  // Nasa Image of the Day / Nasa Breaking News
  { feed: 'rowanmanning:real-world/0390cb7970a0c01c35d7bfb28aa300d3', field: 'author', count: 60, example: { item: 0, theirs: 'managingeditor@nasa.gov', ours: null }, why: R.rssFeedAuthor },
  { feed: 'rowanmanning:real-world/ee43b6c3afd282f5ca6dd3c294ec1f2e', field: 'author', count: 10, example: { item: 0, theirs: 'managingeditor@nasa.gov', ours: null }, why: R.rssFeedAuthor },
  // The Financial Times - UK homepage
  { feed: 'rowanmanning:real-world/66aa305559c0c7f86f06dc7e7eef7271', field: 'categories', count: 31, example: { item: 0, theirs: ['Newspapers'], ours: [] }, why: R.rssFeedCategory },
  // FYI Center for Software Developers / GitHub Repo Commits / GitHub Repo Releases
  { feed: 'rowanmanning:real-world/6c49067b57d4b1c2a25cd455d49e130a', field: 'published', count: 24, example: { item: 0, theirs: null, ours: 1705324822000 }, why: R.atomPublishedFallback },
  { feed: 'rowanmanning:real-world/d1b6d321bb845c85d51711e414bf56c9', field: 'published', count: 20, example: { item: 0, theirs: null, ours: 1653988755000 }, why: R.atomPublishedFallback },
  { feed: 'rowanmanning:real-world/d5bdc200d39677aff2029e2459e49f49', field: 'published', count: 10, example: { item: 0, theirs: null, ours: 1653994651000 }, why: R.atomPublishedFallback },
  // BuzzFeed - Latest
  { feed: 'rowanmanning:real-world/6d80261f6c746f21214c3ea9d006ec07', field: 'author', count: 96, example: { item: 0, theirs: 'editor@buzzfeed.com', ours: null }, why: R.rssFeedAuthor },
  // Sky News
  { feed: 'rowanmanning:real-world/b50cfa0fa67a27325debb5bce9a55401', field: 'categories', count: 10, example: { item: 0, theirs: ['Sky News'], ours: [] }, why: R.rssFeedCategory },
  // Off Menu Podcast
  { feed: 'rowanmanning:real-world/dedf3f57aadefbdc6b8ad6e17efca957', field: 'author', count: 207, example: { item: 0, theirs: 'Plosive', ours: null }, why: R.rssFeedAuthor },
  { feed: 'rowanmanning:real-world/dedf3f57aadefbdc6b8ad6e17efca957', field: 'categories', count: 207, example: { item: 0, theirs: ['Comedy/Comedy Interviews'], ours: [] }, why: R.rssFeedCategory },

  // rss-parser
  { feed: 'rss-parser:craigslist.rss', field: 'title', count: 25, example: { item: 0, theirs: 'Bright, Spacious Beautiful Victorian (oakland north / temescal) &#x0024;4300 3bd 1930ft<sup>2</sup>', ours: 'Bright, Spacious Beautiful Victorian (oakland north / temescal) $4300 3bd 1930ft2' }, why: R.titleMarkup },
  { feed: 'rss-parser:encoding.rss', field: 'title', count: 33, example: { item: 0, theirs: 'M\ufffde de utente \ufffd a nova presidente da Rar\ufffdssimas', ours: 'Mãe de utente é a nova presidente da Raríssimas' }, why: R.mojibake },
  { feed: 'rss-parser:encoding.rss', field: 'categories', count: 8, example: { item: 5, theirs: ['Justi\ufffda'], ours: ['Justiça'] }, why: R.mojibake },
  { feed: 'rss-parser:uolNoticias.rss', field: 'title', count: 11, example: { item: 0, theirs: 'Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simula\ufffd\ufffdes de 2\ufffd turno', ours: 'Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno' }, why: R.mojibake },
  { feed: 'rss-parser:feedburner.atom', field: 'categories', count: 25, example: { item: 0, theirs: [], ours: ['adwords_api', 'client_libraries', 'dfp_api'] }, why: R.atomCategories },
  { feed: 'rss-parser:many-links.rss', field: 'categories', count: 25, example: { item: 0, theirs: [], ours: ['Chris Lewis', 'Code Health', 'TotT'] }, why: R.atomCategories },
  { feed: 'rss-parser:reddit-home.rss', field: 'categories', count: 24, example: { item: 0, theirs: [], ours: ['funny'] }, why: R.atomCategories },
  { feed: 'rss-parser:heise.atom', field: 'author', count: 15, example: { item: 0, theirs: null, ours: 'heise online' }, why: R.atomFeedAuthor },
  { feed: 'rss-parser:giantbomb-podcast.rss', field: 'author', count: 730, example: { item: 0, theirs: null, ours: 'Giant Bomb' }, why: R.itunesAuthor },
  { feed: 'rss-parser:item-itunes-episodeType.rss', field: 'author', count: 1, example: { item: 0, theirs: null, ours: 'Klaas Heufer-Umlauf, Thomas Schmitt und Jakob Lundt' }, why: R.itunesAuthor },
  { feed: 'rss-parser:pagination-links.rss', field: 'author', count: 1, example: { item: 0, theirs: null, ours: 'Steve Thompson' }, why: R.itunesAuthor },
  { feed: 'rss-parser:gulp-atom.atom', field: 'link', count: 10, example: { item: 0, theirs: '/gulpjs/gulp/releases/tag/v3.9.0', ours: 'https://github.com/gulpjs/gulp/releases/tag/v3.9.0' }, why: R.atomRelative },
  { feed: 'rss-parser:rss-1.rss', field: 'categories', count: 46, example: { item: 0, theirs: [], ours: ['Botany, Microbiology'] }, why: R.dcSubject },
  { feed: 'rss-parser:xml2js-options.rss', field: 'categories', count: 46, example: { item: 0, theirs: [], ours: ['Botany, Microbiology'] }, why: R.dcSubject },
  { feed: 'rss-parser:xml2js-options.rss', field: 'content', count: 69, example: { item: 0, theirs: true, ours: false }, why: R.xml2jsEmpty },
];

/** Feeds that are not well-formed XML (checked with a strict parser): recovered, with a warning. */
const MALFORMED = new Set([
  'rowanmanning:examples/b9a3aa1b3f1d9c9446bf7166ef1f1aa8', // a stray </media:content> at line 234
]);

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

function squash(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const s = value.replace(/\s+/g, ' ').trim();
  return s === '' ? null : s;
}

function normLink(value: unknown): string | null {
  const s = squash(value);
  if (s === null) return null;
  try {
    return new URL(s).href;
  } catch {
    return s; // relative or broken: compared as given
  }
}

function normDate(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function normCategories(values: unknown[]): string[] {
  return [...new Set(values.map(squash).filter((c): c is string => c !== null))];
}

function normEnclosure(url: unknown, type: unknown, length: unknown): string {
  const len = length === null || length === undefined || length === '' ? '-' : String(Number(length));
  return `${normLink(url)} ${squash(type) ?? '-'} ${len}`;
}

function ours(item: FeedItem): Comparable {
  return {
    id: squash(item.id),
    title: squash(item.title) ?? '',
    link: normLink(item.link),
    published: item.published,
    content: item.content !== null && item.content.trim() !== '',
    author: squash(item.author),
    categories: normCategories(item.categories),
    enclosures: item.enclosures.map((e) => normEnclosure(e.url, e.type, e.length)),
  };
}

type Json = Record<string, unknown>;

/** @rowanmanning/feed-parser's item JSON (lib/feed/item/*.js toJSON). */
function fromRowan(item: Json): Comparable {
  const authors = (item.authors as Json[]).map((a) => squash(a.name) ?? squash(a.email) ?? squash(a.url)).filter((a) => a !== null);
  return {
    id: squash(item.id),
    title: squash(item.title) ?? '',
    link: normLink(item.url),
    published: normDate(item.published),
    content: squash(item.content) !== null || squash(item.description) !== null,
    author: authors.length ? authors.join(', ') : null,
    categories: normCategories((item.categories as Json[]).map((c) => c.term)),
    enclosures: (item.media as Json[]).map((m) => normEnclosure(m.url, m.mimeType, m.length)),
  };
}

/** rss-parser's item JSON: guid/id, link, isoDate, content/content:encoded/summary, author/creator, categories, enclosure. */
function fromRssParser(item: Json): Comparable {
  const categories = ((item.categories as unknown[] | undefined) ?? []).map((c) => (typeof c === 'string' ? c : (c as Json)?._));
  const enclosure = item.enclosure as Json | undefined;
  return {
    id: squash(item.guid) ?? squash(item.id),
    title: squash(item.title) ?? '',
    link: normLink(item.link),
    published: normDate(item.isoDate),
    content: [item.content, item['content:encoded'], item.summary].some((c) => squash(c) !== null),
    author: squash(item.author) ?? squash(item.creator),
    categories: normCategories(categories),
    // rss-parser reads <enclosure> only (not Media RSS): compared where it has one
    enclosures: enclosure ? [normEnclosure(enclosure.url, enclosure.type, enclosure.length)] : undefined,
  };
}

function differs(field: Field, theirs: Comparable, mine: Comparable): boolean {
  if (field === 'enclosures') {
    if (theirs.enclosures === undefined) return false;
    // rss-parser has at most one: ours must hold it; feed-parser has them all: the lists must match
    return theirs.enclosures.length === 1 && mine.enclosures!.length > 1
      ? !mine.enclosures!.includes(theirs.enclosures[0]!)
      : JSON.stringify(theirs.enclosures) !== JSON.stringify(mine.enclosures);
  }
  return JSON.stringify(theirs[field]) !== JSON.stringify(mine[field]);
}

// ---------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------

function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

function loadCases(): Case[] {
  const cases: Case[] = [];
  for (const suite of readdirSync(path.join(rowanRoot, 'test/integration/snapshots')).sort()) {
    for (const file of readdirSync(path.join(rowanRoot, 'test/integration/snapshots', suite)).sort()) {
      const hash = file.replace(/\.json$/, '');
      const snapshot = readJson(path.join(rowanRoot, 'test/integration/snapshots', suite, file));
      const feedPath = path.join(rowanRoot, 'content', suite, hash, 'feed.xml');
      const c: Case = { key: `rowanmanning:${suite}/${hash}`, label: String(snapshot.title), feedPath, url: snapshot.url as string };
      if (!existsSync(feedPath)) c.skip = 'the snapshot is here but its feed.xml is not in this copy of sample-feeds';
      else if (snapshot.error) c.skip = `their parser failed: ${JSON.stringify(snapshot.error)}`;
      else c.theirs = ((snapshot.feed as Json).items as Json[]).map(fromRowan);
      cases.push(c);
    }
  }
  for (const file of readdirSync(path.join(rssParserRoot, 'input')).sort()) {
    const golden = path.join(rssParserRoot, 'output', file.replace(/\.[^.]+$/, '.json'));
    const c: Case = { key: `rss-parser:${file}`, label: file, feedPath: path.join(rssParserRoot, 'input', file) };
    if (file === 'unrecognized.rss') c.error = /^not a feed: no RSS, Atom or RDF root element$/; // an HTML "Document Moved" page
    else if (existsSync(golden)) c.theirs = (((readJson(golden).feed as Json).items as Json[]) ?? []).map(fromRssParser);
    else c.skip = 'rss-parser has no golden output for it';
    cases.push(c);
  }
  return cases;
}

const present = existsSync(rowanRoot) && existsSync(rssParserRoot);
const cases = present ? loadCases() : [];

/** Per field: items compared, items that agree. */
const stats = new Map<Field | 'count', { compared: number; agree: number; knownDiffer: number }>();
function tally(field: Field | 'count', compared: number, agree: number, knownDiffer = 0): void {
  const s = stats.get(field) ?? { compared: 0, agree: 0, knownDiffer: 0 };
  s.compared += compared;
  s.agree += agree;
  s.knownDiffer += knownDiffer;
  stats.set(field, s);
}

if (!present) {
  test('dev corpus', (t) => {
    t.skip(`dev-corpus not present: ${devCorpus} (feeds/rowanmanning-sample-feeds, feeds/rss-parser)`);
  });
}

test('every known difference names a feed of the corpus and a compared field', (t) => {
  if (!present) return t.skip(`dev-corpus not present: ${devCorpus}`);
  const keys = new Set(cases.filter((c) => c.theirs).map((c) => c.key));
  for (const k of KNOWN) {
    assert.ok(keys.has(k.feed), `KNOWN names ${k.feed}, which is not a compared feed`);
    assert.ok(FIELDS.includes(k.field), `KNOWN names field ${k.field}`);
  }
  const pairs = KNOWN.map((k) => `${k.feed} ${k.field}`);
  assert.equal(new Set(pairs).size, pairs.length, 'one KNOWN row per feed and field');
});

for (const c of cases) {
  test(`${c.key} (${c.label})`, async (t) => {
    if (!existsSync(c.feedPath)) return t.skip(c.skip);
    const body = readFileSync(c.feedPath);
    if (c.error) {
      await assert.rejects(parseFeed(body, { url: c.url }), (err: unknown) => err instanceof FeedParseError && c.error!.test(err.message));
      return;
    }
    const feed = await parseFeed(body, { url: c.url });
    // Only the feeds known not to be well-formed say that they were recovered.
    assert.equal(feed.warnings.some((w) => w.startsWith('malformed XML')), MALFORMED.has(c.key), `malformed XML warnings: ${feed.warnings.join('; ')}`);
    if (!c.theirs) {
      // Nothing to compare with: the items are still all there.
      const inXml = (body.toString('utf8').match(/<(?:item|entry)[\s>]/g) ?? []).length;
      assert.equal(feed.items.length, inXml);
      return t.skip(c.skip);
    }
    const theirs = c.theirs;
    assert.equal(feed.items.length, theirs.length, 'item count');
    tally('count', 1, 1);
    const mine = feed.items.map(ours);
    for (const field of FIELDS) {
      const differing = theirs.map((_, i) => i).filter((i) => differs(field, theirs[i]!, mine[i]!));
      const compared = field === 'enclosures' ? theirs.filter((x) => x.enclosures !== undefined).length : theirs.length;
      const known = KNOWN.find((k) => k.feed === c.key && k.field === field);
      tally(field, compared, compared - differing.length, known ? differing.length : 0);
      const show = (i: number) => `item ${i}: theirs ${JSON.stringify(theirs[i]![field])} ours ${JSON.stringify(mine[i]![field])}`;
      if (!known) {
        assert.deepEqual(differing, [], `${field} differs (not a known difference):\n  ${differing.slice(0, 3).map(show).join('\n  ')}`);
        continue;
      }
      assert.equal(differing.length, known.count, `${field}: ${known.count} known differences expected, found ${differing.length}:\n  ${differing.slice(0, 3).map(show).join('\n  ')}`);
      const { item } = known.example;
      assert.ok(differing.includes(item), `${field}: item ${item} was expected to differ`);
      assert.deepEqual({ theirs: theirs[item]![field], ours: mine[item]![field] }, { theirs: known.example.theirs, ours: known.example.ours }, `${field}, item ${item}`);
    }
  });
}

test('summary', (t) => {
  if (!present) return t.skip(`dev-corpus not present: ${devCorpus}`);
  if (!process.env.CORPUS_REPORT) return;
  const compared = cases.filter((c) => c.theirs).length;
  const lines = [`feeds: ${cases.length} (${compared} compared, ${cases.filter((c) => c.skip).length} skipped, ${cases.filter((c) => c.error).length} not a feed)`];
  lines.push('| field | items compared | agree | agree % | differ (known, justified) |', '|---|---:|---:|---:|---:|');
  for (const [field, s] of stats) {
    lines.push(`| ${field === 'count' ? 'item count (feeds)' : field} | ${s.compared} | ${s.agree} | ${((100 * s.agree) / s.compared).toFixed(1)} | ${s.knownDiffer} |`);
  }
  console.log(lines.join('\n'));
});
