/*
 * Newsvault — the static site's search, in the browser, with no server (see src/site/search/index.ts and
 * docs/reader.md, "Search").
 *
 * A classic script, not a module (module scripts are refused from file://), that never evaluates text (no eval,
 * no Function, no innerHTML with data) and requests nothing but files under the site's own search/ folder. The
 * index is a set of script files that each call the global function __nvSearch(id, data) (fetch() of file://
 * URLs is blocked in browsers; <script> elements are not):
 *   search/manifest.js          the segments, the live document count, the folding blocks (loaded first,
 *                               cache-busted with a query string);
 *   search/<seg>/<n>.js         shard n of a segment: { token: base64 posting | number of its own file };
 *   search/<seg>/h<k>.js        the posting of one frequent token;
 *   search/<seg>/d<k>.js        the result records of 8 documents: [url, title, source name, published, excerpt];
 *   search/fold-<hash>/<b>.js   the characters of code point block b whose folding the browser cannot do
 *                               natively (traditional → simplified, from OpenCC's tables), loaded only for the
 *                               blocks of the query's characters.
 *
 * The query is folded and cut as `newsvault search` does it (src/index/fold.ts, tokens.ts, query.ts): terms
 * separated by white space must all match; quotes make a phrase; a one-character CJK term is that character,
 * a run of two or three is that bigram or trigram (found only where its characters are adjacent), a longer
 * run the chain of its overlapping trigrams; Latin words are whole words without case or accents.
 *
 * Used the same way by Node (src/site/search/client.ts loads this file in a vm context): everything but the
 * page's wiring is in the object `NewsvaultSearch` on the global object.
 */
/* global document, window, location, atob */
(function () {
  'use strict';

  // ---------------------------------------------------------------- folding and cutting (src/index/*.ts)

  const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u;
  const WORD_RE = /[\p{L}\p{N}\p{M}]/u;
  const SEP = 0;
  const WORD = 1;
  const CJK = 2;
  const classCache = new Map();

  function classOf(cp) {
    if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) ? WORD : SEP;
    let k = classCache.get(cp);
    if (k === undefined) {
      const c = String.fromCodePoint(cp);
      k = CJK_RE.test(c) && WORD_RE.test(c) ? CJK : WORD_RE.test(c) ? WORD : SEP;
      classCache.set(cp, k);
    }
    return k;
  }

  function isDiacritic(c) {
    return (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f);
  }

  /** What the browser can do itself of fold.ts: NFKC, lowercase, diacritics removed. */
  function nativeFold(ch) {
    const cp = ch.codePointAt(0);
    if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : ch;
    const s = ch.normalize('NFKC').toLowerCase();
    const d = s.normalize('NFD');
    let out = '';
    let stripped = false;
    for (let i = 0; i < d.length; i++) {
      if (isDiacritic(d.charCodeAt(i))) stripped = true;
      else out += d[i];
    }
    return stripped ? out.normalize('NFC') : s;
  }

  /** The folded text: `map` holds the characters whose folding is not native (see the file comment). */
  function foldText(text, map) {
    let out = '';
    for (const ch of text) {
      const m = map.get(ch);
      out += m !== undefined ? m : nativeFold(ch);
    }
    return out;
  }

  /** The code point blocks (cp >> 8) of the characters of `text` that hold characters folded by a map. */
  function foldBlocksOf(text, available) {
    const have = new Set(available);
    const want = new Set();
    for (const ch of text) {
      const b = ch.codePointAt(0) >> 8;
      if (have.has(b)) want.add(b);
    }
    return [...want].sort((a, b) => a - b);
  }

  /** Words and CJK characters of folded text, as tokens.ts `scan`. */
  function scan(folded) {
    const tokens = [];
    let wordStart = -1;
    const endWord = (i) => {
      if (wordStart >= 0) tokens.push({ text: folded.slice(wordStart, i), cjk: false, start: wordStart, end: i });
      wordStart = -1;
    };
    for (let i = 0; i < folded.length; i++) {
      let cp = folded.charCodeAt(i);
      let width = 1;
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < folded.length) {
        const lo = folded.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
          width = 2;
        }
      }
      const k = classOf(cp);
      if (k === WORD) {
        if (wordStart < 0) wordStart = i;
      } else {
        endWord(i);
        if (k === CJK) tokens.push({ text: folded.slice(i, i + width), cjk: true, start: i, end: i + width });
      }
      i += width - 1;
    }
    endWord(folded.length);
    return tokens;
  }

  /** A term's parts (tokens.ts `partsOf`): words, and runs of CJK characters. */
  function partsOf(term, joinSpaces, map) {
    const folded = foldText(term, map);
    const parts = [];
    let last = null;
    for (const t of scan(folded)) {
      const prev = parts[parts.length - 1];
      if (t.cjk && prev && prev.kind === 'cjk' && last && last.cjk && (last.end === t.start || (joinSpaces && /^\s+$/u.test(folded.slice(last.end, t.start))))) {
        prev.chars.push(t.text);
      } else if (t.cjk) parts.push({ kind: 'cjk', chars: [t.text] });
      else parts.push({ kind: 'word', text: t.text });
      last = t;
    }
    return parts;
  }

  const OPEN_QUOTES = { '"': '"', '“': '”', '「': '」', '『': '』', '＂': '＂' };
  const MAX_QUERY_LENGTH = 1000;
  const MAX_TERMS = 32;

  /** A query that cannot be searched for; `message` is one line, for the reader. */
  class QueryError extends Error {}

  /** The query's terms (query.ts `parseQuery`); throws QueryError. */
  function parseQuery(query, map) {
    if (query.length > MAX_QUERY_LENGTH) throw new QueryError('查询太长（最多 ' + MAX_QUERY_LENGTH + ' 个字符）');
    const raw = [];
    let word = '';
    const endWord = () => {
      if (word) raw.push({ text: word, phrase: false });
      word = '';
    };
    let i = 0;
    while (i < query.length) {
      const c = query[i];
      const close = OPEN_QUOTES[c];
      if (close !== undefined) {
        endWord();
        const end = query.indexOf(close, i + 1);
        if (end < 0) throw new QueryError('引号没有闭合（' + c + '）：请用 ' + close + ' 结束短语');
        raw.push({ text: query.slice(i + 1, end), phrase: true });
        i = end + 1;
        continue;
      }
      if (c === '”' || c === '」' || c === '』') throw new QueryError('多了一个右引号（' + c + '）');
      if (/\s/u.test(c)) endWord();
      else word += c;
      i++;
    }
    endWord();
    const terms = [];
    for (const r of raw) {
      const parts = partsOf(r.text, r.phrase, map);
      if (parts.length === 0) {
        if (r.phrase) throw new QueryError('短语里没有可以搜索的文字');
        continue;
      }
      terms.push({ raw: r.text, phrase: r.phrase, parts: parts, tokens: termTokens(parts) });
    }
    if (terms.length === 0) throw new QueryError(query.trim() === '' ? '请输入要搜索的词' : '查询里没有可以搜索的文字、数字或汉字');
    if (terms.length > MAX_TERMS) throw new QueryError('查询的词太多（最多 ' + MAX_TERMS + ' 个）');
    return terms;
  }

  /** The index tokens a term needs: words; a CJK run of one, two or three characters is that run (a unigram,
   *  bigram or trigram), a longer one the chain of its overlapping trigrams. */
  function termTokens(parts) {
    const out = [];
    for (const p of parts) {
      if (p.kind === 'word') out.push(p.text);
      else if (p.chars.length <= 3) out.push(p.chars.join(''));
      else for (let k = 2; k < p.chars.length; k++) out.push(p.chars[k - 2] + p.chars[k - 1] + p.chars[k]);
    }
    return out;
  }

  // ---------------------------------------------------------------- the index files

  /** FNV-1a over the UTF-16 units: the shard of a token is the top `bits` bits. */
  function hash(s) {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  function shardOf(token, bits) {
    return bits === 0 ? 0 : hash(token) >>> (32 - bits);
  }

  function fromBase64(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /** A posting: the segment's document numbers (ascending) and their weights (0–3). */
  function decodePosting(bytes, docs) {
    let p = 0;
    const varint = () => {
      let v = 0;
      let mul = 1;
      for (;;) {
        const b = bytes[p++];
        v += (b & 0x7f) * mul;
        if (b < 0x80) return v;
        mul *= 128;
      }
    };
    const n = varint();
    const mode = bytes[p++];
    const ids = new Int32Array(n);
    const w = new Uint8Array(n);
    if (mode === 0) {
      let last = -1;
      for (let i = 0; i < n; i++) {
        const v = varint();
        last += Math.floor(v / 4) + 1;
        ids[i] = last;
        w[i] = v & 3;
      }
    } else {
      const bitmapBytes = (docs + 7) >> 3;
      let k = 0;
      for (let byte = 0; byte < bitmapBytes && k < n; byte++) {
        const b = bytes[p + byte];
        if (b === 0) continue;
        for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) ids[k++] = byte * 8 + bit;
      }
      p += bitmapBytes;
      for (let i = 0; i < n; i++) w[i] = (bytes[p + (i >> 2)] >> ((i & 3) * 2)) & 3;
    }
    return { ids: ids, w: w };
  }

  /** How much a posting's weight (body frequency low, middle, high; in the title) counts. */
  const WEIGHTS = [1, 1.4, 1.8, 3];

  /**
   * A search engine over the index that `load(id)` reads: `load('manifest')`, `load('<seg>/<n>')`, … each
   * resolving to the data its file passes to __nvSearch.
   */
  function createEngine(load) {
    let manifest = null;
    const foldMap = new Map();
    const loadedBlocks = new Set();

    async function getManifest() {
      if (!manifest) manifest = await load('manifest');
      return manifest;
    }

    async function prepareFold(query) {
      const m = await getManifest();
      const blocks = foldBlocksOf(query, m.foldBlocks || []).filter((b) => !loadedBlocks.has(b));
      const maps = await Promise.all(blocks.map((b) => load(m.fold + '/' + b.toString(16))));
      blocks.forEach((b, i) => {
        loadedBlocks.add(b);
        for (const k of Object.keys(maps[i])) foldMap.set(k, maps[i][k]);
      });
    }

    /** The posting of `token` in segment `seg`, or null. */
    async function posting(seg, token) {
      const shard = await load(seg.id + '/' + shardOf(token, seg.bits));
      if (!Object.prototype.hasOwnProperty.call(shard, token)) return null;
      const v = shard[token];
      const b64 = typeof v === 'number' ? await load(seg.id + '/h' + v) : v;
      return decodePosting(fromBase64(b64), seg.n);
    }

    /**
     * Searches: { terms, tokens, total, ranked, page(from, count) }. `ranked` is every match, best first
     * ([score, segment, document]); `page` loads the records of a slice of it. Throws QueryError.
     */
    async function search(query) {
      const m = await getManifest();
      await prepareFold(query);
      const terms = parseQuery(query, foldMap);
      const tokens = [...new Set(terms.flatMap((t) => t.tokens))];
      const segs = m.segs;
      const lists = await Promise.all(segs.map((seg) => Promise.all(tokens.map((t) => posting(seg, t)))));
      // document frequency over all segments, for the idf
      const df = tokens.map((_, j) => lists.reduce((sum, l) => sum + (l[j] ? l[j].ids.length : 0), 0));
      const N = Math.max(1, m.docs);
      const idf = df.map((d) => Math.log(1 + (N - d + 0.5) / (d + 0.5)));
      const ranked = [];
      segs.forEach((seg, si) => {
        const l = lists[si];
        if (l.some((p) => p === null)) return;
        const deleted = new Set(seg.del || []);
        // intersect, from the shortest list
        const order = tokens.map((_, j) => j).sort((a, b) => l[a].ids.length - l[b].ids.length);
        const first = l[order[0]];
        let ids = Array.from(first.ids);
        let scores = Array.from(first.w, (w) => idf[order[0]] * WEIGHTS[w]);
        for (let o = 1; o < order.length && ids.length; o++) {
          const j = order[o];
          const p = l[j];
          const nextIds = [];
          const nextScores = [];
          let a = 0;
          let b = 0;
          while (a < ids.length && b < p.ids.length) {
            if (ids[a] < p.ids[b]) a++;
            else if (ids[a] > p.ids[b]) b++;
            else {
              nextIds.push(ids[a]);
              nextScores.push(scores[a] + idf[j] * WEIGHTS[p.w[b]]);
              a++;
              b++;
            }
          }
          ids = nextIds;
          scores = nextScores;
        }
        for (let i = 0; i < ids.length; i++) if (!deleted.has(ids[i])) ranked.push([scores[i], si, ids[i]]);
      });
      // best first; among equals the newer segment, then the later document (the build's order)
      ranked.sort((x, y) => y[0] - x[0] || y[1] - x[1] || y[2] - x[2]);

      async function page(from, count) {
        const slice = ranked.slice(from, from + count);
        const chunk = m.chunk;
        const ids = [...new Set(slice.map((r) => segs[r[1]].id + '/d' + Math.floor(r[2] / chunk)))];
        const chunks = new Map();
        await Promise.all(ids.map(async (id) => chunks.set(id, await load(id))));
        return slice.map((r) => {
          const rec = chunks.get(segs[r[1]].id + '/d' + Math.floor(r[2] / chunk))[r[2] % chunk];
          return { url: rec[0], title: rec[1], sourceName: rec[2], published: rec[3], excerpt: rec[4], score: r[0] };
        });
      }
      return { terms: terms, tokens: tokens, total: ranked.length, ranked: ranked, page: page };
    }

    return { search: search, manifest: getManifest };
  }

  const api = {
    QueryError: QueryError,
    nativeFold: nativeFold,
    foldText: foldText,
    parseQuery: parseQuery,
    termTokens: termTokens,
    hash: hash,
    shardOf: shardOf,
    decodePosting: decodePosting,
    createEngine: createEngine,
  };
  globalThis.NewsvaultSearch = api;

  // ---------------------------------------------------------------- the page

  if (typeof document === 'undefined' || typeof window === 'undefined') return;
  const script = document.currentScript;
  const root = (script && script.getAttribute('data-root')) || '';
  const PAGE = 20;

  const pending = new Map();
  const loaded = new Map();
  window.__nvSearch = function (id, data) {
    const p = pending.get(id);
    if (p) {
      pending.delete(id);
      p.resolve(data);
    }
  };
  const stamp = String(Date.now());
  function loadScript(id) {
    let p = loaded.get(id);
    if (p) return p;
    p = new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve, reject: reject });
      const s = document.createElement('script');
      s.src = root + 'search/' + id + '.js' + (id === 'manifest' ? '?v=' + stamp : '');
      s.async = true;
      const fail = (why) => {
        s.remove();
        if (pending.has(id)) {
          pending.delete(id);
          loaded.delete(id);
          reject(new Error(why + ': search/' + id + '.js'));
        }
      };
      s.onerror = () => fail('cannot load');
      s.onload = () => fail('no index data in');
      document.head.appendChild(s);
    });
    loaded.set(id, p);
    return p;
  }

  /** YYYY-MM-DD HH:MM in UTC+8, as the site's lists. */
  function dateOf(ms) {
    const d = new Date(ms + 8 * 3600 * 1000);
    const two = (n) => String(n).padStart(2, '0');
    return d.getUTCFullYear() + '-' + two(d.getUTCMonth() + 1) + '-' + two(d.getUTCDate()) + ' ' + two(d.getUTCHours()) + ':' + two(d.getUTCMinutes());
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function render(list, hits) {
    for (const h of hits) {
      const li = el('li', 'search-hit');
      const a = el('a', 'search-title', h.title);
      a.href = root + h.url;
      const title = el('h2', 'search-hit-title');
      title.appendChild(a);
      li.appendChild(title);
      const meta = el('p', 'search-meta');
      meta.appendChild(document.createTextNode(h.sourceName + ' · '));
      const time = el('time', null, dateOf(h.published));
      time.dateTime = new Date(h.published).toISOString();
      meta.appendChild(time);
      li.appendChild(meta);
      if (h.excerpt) li.appendChild(el('p', 'search-excerpt', h.excerpt));
      list.appendChild(li);
    }
  }

  async function run() {
    const status = document.getElementById('search-status');
    const list = document.getElementById('search-results');
    const input = document.getElementById('search-q');
    if (!status || !list) return;
    const q = new URLSearchParams(location.search).get('q') || '';
    if (input) input.value = q;
    if (!q.trim()) {
      status.textContent = '输入词语搜索全部文章（简体、繁体皆可；用引号搜索短语）。';
      return;
    }
    status.textContent = '正在搜索…';
    let result;
    try {
      result = await createEngine(loadScript).search(q);
    } catch (err) {
      status.textContent = err instanceof QueryError ? err.message : '搜索失败：' + (err && err.message ? err.message : String(err));
      return;
    }
    status.textContent = result.total === 0 ? '没有找到包含“' + q + '”的文章。' : '找到 ' + result.total + ' 篇文章。';
    let shown = 0;
    let more = null;
    const next = async () => {
      const hits = await result.page(shown, PAGE);
      shown += hits.length;
      render(list, hits);
      if (shown < result.total) {
        if (!more) {
          more = el('button', 'search-more', '显示更多结果');
          more.type = 'button';
          more.addEventListener('click', () => {
            more.disabled = true;
            next().then(
              () => (more.disabled = false),
              (err) => (status.textContent = '搜索失败：' + err.message),
            );
          });
          list.insertAdjacentElement('afterend', more);
        }
      } else if (more) more.remove();
    };
    try {
      await next();
    } catch (err) {
      status.textContent = '搜索失败：' + (err && err.message ? err.message : String(err));
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void run());
  else void run();
})();
