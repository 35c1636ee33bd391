/**
 * The pages of the site (see routes.ts for where each lives). Every feed string is plain text escaped once;
 * article HTML goes through the sanitiser. Lists hold PAGE_SIZE articles; a list's index.html shows the newest,
 * its page n the n-th PAGE_SIZE counted from the oldest, so adding articles rewrites only the newest pages.
 */
import type { ArticleFields } from '../archive/index.ts';
import { diffParagraphs, type TextChange } from '../history/diff.ts';
import type { History } from '../history/versions.ts';
import type { StatusRow } from '../health/status.ts';
import { layout, type Section } from './layout.ts';
import { dayOf, type SiteArticle, type SiteModel, type SiteView } from './model.ts';
import { feedPath, pathOf, rootOf, type Route } from './routes.ts';
import { escapeAttr, escapeHtml, plainText, sanitizeArticle } from './sanitize.ts';

export const PAGE_SIZE = 50;

/** What an article page needs of the model: the sources' names. */
export interface Names {
  nameOf(slug: string): string;
}

export interface RenderOptions {
  mode: 'static' | 'serve';
}

const UTC8 = 8 * 3_600_000;

/** `2024-03-01 14:05` in UTC+8, in a `<time>` element. */
export function timeHtml(ms: number, withTime = true): string {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms + UTC8);
  if (Number.isNaN(d.getTime())) return '';
  const iso = new Date(ms).toISOString();
  const text = withTime ? d.toISOString().slice(0, 16).replace('T', ' ') : d.toISOString().slice(0, 10);
  return `<time datetime="${iso}">${text}</time>`;
}

export function titleOf(title: string): string {
  return plainText(title) || '(无标题)';
}

function link(from: string, route: Route): string {
  return `${rootOf(from)}${pathOf(route)}`;
}

/** Number of fixed pages of a list of n articles (0 when the index holds them all). */
export function pageCount(n: number): number {
  return n <= PAGE_SIZE ? 0 : Math.ceil(n / PAGE_SIZE);
}

/** The articles of page `page` of a newest-first list (0: the newest PAGE_SIZE), or null when there is no such page. */
export function pageSlice<T>(list: { readonly length: number; slice(start: number, end: number): T[] }, page: number): T[] | null {
  const n = list.length;
  if (page === 0) return list.slice(0, PAGE_SIZE);
  if (page > pageCount(n)) return null;
  const end = n - (page - 1) * PAGE_SIZE;
  return list.slice(Math.max(0, end - PAGE_SIZE), end);
}

function goneNote(a: SiteArticle): string {
  const g = a.record.gone;
  return g ? ` <span class="gone">已从来源删除</span>` : '';
}

export function listItem(model: Names, from: string, a: SiteArticle, showSource = true): string {
  const r = a.record;
  const href = link(from, { kind: 'article', slug: a.source, id: r.id });
  const source = showSource ? `<a class="src" href="${link(from, { kind: 'source', slug: a.source, page: 0 })}">${escapeHtml(model.nameOf(a.source))}</a> · ` : '';
  const versions = r.revisions?.length ? ` · <span class="versions">${r.revisions.length + 1} 个版本</span>` : '';
  return `<li data-id="${r.id}" data-source="${a.source}"><a class="title" href="${href}">${escapeHtml(titleOf(r.title))}</a><span class="meta">${source}${timeHtml(r.published)}${versions}${goneNote(a)}</span></li>`;
}

function articleList(model: Names, from: string, list: readonly SiteArticle[], showSource = true): string {
  if (list.length === 0) return '<p class="empty">还没有文章。</p>';
  return `<ol class="articles">\n${list.map((a) => listItem(model, from, a, showSource)).join('\n')}\n</ol>`;
}

/** Links to the newer and older pages of a paged list. */
function pager(from: string, n: number, page: number, make: (page: number) => Route): string {
  const count = pageCount(n);
  if (count === 0) return '';
  const links: string[] = [];
  const a = (p: number, label: string, rel?: string) => `<a href="${link(from, make(p))}"${rel ? ` rel="${rel}"` : ''}>${label}</a>`;
  if (page === 0) {
    links.push(a(count - 1, '较早 →', 'next'), a(1, '最早'));
  } else {
    links.push(a(0, '最新'));
    if (page < count) links.push(a(page + 1, '← 较新', 'prev'));
    if (page > 1) links.push(a(page - 1, '较早 →', 'next'), a(1, '最早'));
  }
  // a fixed page names no total: adding articles must leave the older pages' bytes as they are
  const where = page === 0 ? `共 ${n} 篇，${count} 页` : `第 ${page} 页（从最早算起）`;
  return `<nav class="pager" aria-label="翻页"><p>${where}</p><p>${links.join(' ')}</p></nav>`;
}

function feedLinks(root: string, source?: string, name?: string): string {
  const label = name ? `${name} · ` : '';
  const f = (format: 'rss' | 'atom' | 'json', type: string, t: string) =>
    `<link rel="alternate" type="${type}" title="${escapeAttr(label + t)}" href="${root}${feedPath(source ? { source, format } : { format })}">`;
  return `${f('rss', 'application/rss+xml', 'RSS')}\n${f('atom', 'application/atom+xml', 'Atom')}\n${f('json', 'application/feed+json', 'JSON Feed')}\n`;
}

function page(from: string, title: string, body: string, section: Section, head?: string, mode: 'static' | 'serve' = 'static'): string {
  return layout({ title: title === 'Newsvault' ? title : `${title} · Newsvault`, body, root: rootOf(from), section, mode, ...(head ? { head } : {}) });
}

export function renderHome(model: SiteView, p: number, mode: RenderOptions['mode'] = 'static'): string | null {
  const all = model.all();
  const slice = pageSlice(all, p);
  if (!slice) return null;
  const from = pathOf({ kind: 'home', page: p });
  const heading = p === 0 ? '最新文章' : `全部文章 · 第 ${p} 页`;
  const body = `<h1>${heading}</h1>\n${articleList(model, from, slice)}\n${pager(from, all.length, p, (page) => ({ kind: 'home', page }))}`;
  return page(from, p === 0 ? 'Newsvault' : heading, body, 'home', feedLinks(rootOf(from)), mode);
}

export function renderSource(model: SiteView, slug: string, p: number, mode: RenderOptions['mode'] = 'static'): string | null {
  const source = model.source(slug);
  if (!source) return null;
  const slice = pageSlice(source.articles, p);
  if (!slice) return null;
  const from = pathOf({ kind: 'source', slug, page: p });
  const name = escapeHtml(source.name);
  const root = rootOf(from);
  const feeds = `<p class="feeds">订阅：<a href="${root}${feedPath({ source: slug, format: 'rss' })}">RSS</a> · <a href="${root}${feedPath({ source: slug, format: 'atom' })}">Atom</a> · <a href="${root}${feedPath({ source: slug, format: 'json' })}">JSON Feed</a></p>`;
  const body = `<h1>${name}${p === 0 ? '' : ` · 第 ${p} 页`}</h1>\n${p === 0 ? `<p class="lede">${source.articles.length} 篇文章</p>\n` : ''}${feeds}\n${articleList(model, from, slice, false)}\n${pager(from, source.articles.length, p, (page) => ({ kind: 'source', slug, page }))}`;
  return page(from, source.name + (p === 0 ? '' : ` · 第 ${p} 页`), body, 'sources', feedLinks(root, slug, source.name), mode);
}

export function renderDays(model: SiteView, mode: RenderOptions['mode'] = 'static'): string {
  const from = pathOf({ kind: 'days' });
  const months = new Map<string, [string, number][]>();
  for (const [day, list] of model.days()) {
    const m = day.slice(0, 7);
    let days = months.get(m);
    if (!days) months.set(m, (days = []));
    days.push([day, list.length]);
  }
  const sections = [...months].map(([m, days]) => {
    const [y, mo] = m.split('-');
    const items = days
      .slice()
      .reverse()
      .map(([day, n]) => `<li><a href="${day}.html">${Number(day.slice(8))}日</a> <small>${n}</small></li>`)
      .join('');
    return `<section aria-labelledby="m-${m}"><h2 id="m-${m}">${y}年${Number(mo)}月</h2><ol class="days">${items}</ol></section>`;
  });
  const body = `<h1>按日期</h1>\n<p class="lede">日期为北京时间（UTC+8）。</p>\n${sections.join('\n') || '<p class="empty">还没有文章。</p>'}`;
  return page(from, '按日期', body, 'days', undefined, mode);
}

export function renderDay(model: SiteView, day: string, mode: RenderOptions['mode'] = 'static'): string | null {
  const days = model.days();
  const list = days.get(day);
  if (!list) return null;
  const from = pathOf({ kind: 'day', day });
  const keys = [...days.keys()];
  const i = keys.indexOf(day);
  const newer = i > 0 ? keys[i - 1] : undefined;
  const older = i < keys.length - 1 ? keys[i + 1] : undefined;
  const nav = `<nav class="pager" aria-label="前后日期"><p>${newer ? `<a href="${newer}.html" rel="prev">← ${newer}</a> ` : ''}<a href="index.html">全部日期</a>${older ? ` <a href="${older}.html" rel="next">${older} →</a>` : ''}</p></nav>`;
  const body = `<h1>${day}</h1>\n<p class="lede">${list.length} 篇文章（北京时间）</p>\n${articleList(model, from, list.slice(0, list.length))}\n${nav}`;
  return page(from, day, body, 'days', undefined, mode);
}

export function renderSources(model: SiteView, health: StatusRow[], mode: RenderOptions['mode'] = 'static'): string {
  const from = pathOf({ kind: 'sources' });
  const byslug = new Map(health.map((h) => [h.slug, h]));
  const label: Record<string, string> = { ok: '正常', failing: '失败', 'failing-long': '长期失败', 'never-polled': '未抓取', disabled: '已停用' };
  const rows = model.sources().map((s) => {
    const h = byslug.get(s.slug);
    const newest = s.articles.slice(0, 1)[0];
    const healthCell = h ? `<span class="health health-${h.health}">${label[h.health] ?? h.health}</span>` : '';
    const last = h?.record.lastSuccess ? timeHtml(h.record.lastSuccess) : '—';
    const err = h?.record.lastError && h.health !== 'ok' ? `<br><small>${escapeHtml(plainText(h.record.lastError))}</small>` : '';
    return `<tr><th scope="row"><a href="s/${s.slug}/index.html">${escapeHtml(s.name)}</a></th><td class="num">${s.articles.length}</td><td>${newest ? timeHtml(newest.record.published) : '—'}</td><td>${healthCell}${err}</td><td>${last}</td><td><a href="${feedPath({ source: s.slug, format: 'rss' })}">RSS</a></td></tr>`;
  });
  const total = model.all().length;
  const body = `<h1>来源</h1>\n<p class="lede">${model.sources().length} 个来源，共 ${total} 篇文章。</p>\n<div class="table"><table>
<thead><tr><th scope="col">来源</th><th scope="col">文章</th><th scope="col">最新</th><th scope="col">状态</th><th scope="col">上次成功抓取</th><th scope="col">订阅</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
  return page(from, '来源', body, 'sources', undefined, mode);
}

export function renderSearch(mode: RenderOptions['mode'] = 'static', results = ''): string {
  const from = pathOf({ kind: 'search' });
  const form = `<form id="search-form" role="search" action="search.html" method="get"><label for="search-q">搜索存档</label> <input id="search-q" name="q" type="search" autocomplete="off" enterkeyhint="search"> <button type="submit">搜索</button></form>`;
  const client = mode === 'static' ? `\n<script src="static/search.js" defer data-root=""></script>` : '';
  const body = `<h1>搜索</h1>\n${form}\n<p id="search-status" aria-live="polite"></p>\n<ol id="search-results">${results}</ol>${client}`;
  return page(from, '搜索', body, 'search', undefined, mode);
}

/** An article page: its sanitised content, original link, times, versions and "removed at source" mark. */
export function renderArticle(model: Names, a: SiteArticle, fields: ArticleFields | null, mode: RenderOptions['mode'] = 'static'): string {
  const r = a.record;
  const from = pathOf({ kind: 'article', slug: a.source, id: r.id });
  const root = rootOf(from);
  const title = titleOf(fields?.title ?? r.title);
  const linkUrl = fields?.link || r.link;
  const original = /^https?:\/\//i.test(linkUrl) ? `<a class="original" href="${escapeAttr(linkUrl)}" rel="noopener noreferrer nofollow">原文链接</a>` : '';
  const meta = [
    `<a href="${root}s/${a.source}/index.html">${escapeHtml(model.nameOf(a.source))}</a>`,
    `发布 ${timeHtml(fields?.published ?? r.published)}${r.dateGuessed ? '（来源未给日期，为首次见到的时间）' : ''}`,
    `存档 ${timeHtml(r.firstSeen)}`,
    `<a href="${root}d/${dayOf(r.published)}.html">当天</a>`,
    original,
  ].filter((s) => s !== '');
  const g = r.gone;
  const gone = g
    ? `<p class="gone-note" role="note"><strong>已从来源删除</strong>：${timeHtml(g.at, false)} 发现${g.reason ? `（${escapeHtml(plainText(g.reason))}）` : ''}。以下为存档的文本。</p>\n`
    : '';
  const versions = r.revisions?.length
    ? `<p class="versions">本文有 ${r.revisions.length + 1} 个版本${r.changedAt ? `，最后修改 ${timeHtml(r.changedAt)}` : ''}：<a href="${r.id}/history.html">版本与差异</a></p>\n`
    : '';
  const content = fields ? sanitizeArticle(fields.contentHtml, { root, baseUrl: linkUrl || null }) : '<p class="empty">文章文件缺失或无法读取。</p>';
  const body = `<article>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${meta.join(' · ')}</p>
${gone}${versions}<div id="article-body" class="article-body">
${content}
</div>
</article>`;
  return page(from, title, body, 'other', undefined, mode);
}

function versionTime(ms: number | null): string {
  return ms === null ? '—' : timeHtml(ms);
}

export function renderHistory(model: Names, h: History, mode: RenderOptions['mode'] = 'static'): string | null {
  if (h.versions.length < 2) return null;
  const a = { source: h.source, record: h.record };
  const from = pathOf({ kind: 'history', slug: h.source, id: h.record.id });
  const title = titleOf(h.record.title);
  const rows = h.versions.map((v) => {
    const diff = v.n < h.versions.length ? `<a href="diff-${v.n}.html">与下一版比较</a>` : '当前版本';
    const why = v.reason ? escapeHtml(v.reason) : '';
    return `<tr><th scope="row">${v.current ? '当前' : escapeHtml(v.label)}</th><td>${escapeHtml(titleOf(v.title ?? ''))}</td><td>${versionTime(v.archivedAt)}</td><td>${versionTime(v.replacedAt)}</td><td>${why}</td><td>${diff}</td></tr>`;
  });
  const body = `<h1>版本：${escapeHtml(title)}</h1>
<p class="meta"><a href="../${a.record.id}.html">回到文章</a> · ${escapeHtml(model.nameOf(a.source))}</p>
<div class="table"><table>
<thead><tr><th scope="col">版本</th><th scope="col">标题</th><th scope="col">存档</th><th scope="col">被替换</th><th scope="col">原因</th><th scope="col">差异</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
  return page(from, `版本：${title}`, body, 'other', undefined, mode);
}

function changesHtml(changes: readonly TextChange[]): string {
  return changes.map((c) => (c.op === 'equal' ? escapeHtml(c.text) : c.op === 'insert' ? `<ins>${escapeHtml(c.text)}</ins>` : `<del>${escapeHtml(c.text)}</del>`)).join('');
}

export function renderDiff(model: Names, h: History, n: number, mode: RenderOptions['mode'] = 'static'): string | null {
  const before = h.versions[n - 1];
  const after = h.versions[n];
  if (!before || !after) return null;
  const from = pathOf({ kind: 'diff', slug: h.source, id: h.record.id, n });
  const title = titleOf(h.record.title);
  const label = (v: typeof before) => (v.current ? '当前版本' : v.label);
  const blocks = diffParagraphs(before.text ?? '', after.text ?? '').map((b) => {
    if (b.kind === 'same') return `<p class="same">⋯ ${b.count} 段未变</p>`;
    if (b.kind === 'changed') return `<p class="changed">${changesHtml(b.changes)}</p>`;
    if (b.kind === 'removed') return `<p class="removed"><del>${escapeHtml(b.text)}</del></p>`;
    return `<p class="added"><ins>${escapeHtml(b.text)}</ins></p>`;
  });
  const titles =
    (before.title ?? '') !== (after.title ?? '')
      ? `<p class="changed"><strong>标题：</strong><del>${escapeHtml(titleOf(before.title ?? ''))}</del> → <ins>${escapeHtml(titleOf(after.title ?? ''))}</ins></p>\n`
      : '';
  const nav = [
    n > 1 ? `<a href="diff-${n - 1}.html" rel="prev">← 上一处修改</a>` : '',
    `<a href="history.html">全部版本</a>`,
    `<a href="../${h.record.id}.html">回到文章</a>`,
    n + 1 < h.versions.length ? `<a href="diff-${n + 1}.html" rel="next">下一处修改 →</a>` : '',
  ].filter((s) => s !== '');
  const body = `<h1>差异：${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(label(before))}（${versionTime(before.archivedAt)}）→ ${escapeHtml(label(after))}（${versionTime(after.archivedAt)}）</p>
<nav class="pager" aria-label="版本"><p>${nav.join(' · ')}</p></nav>
<div class="diff" id="diff">
${titles}${blocks.join('\n') || '<p class="same">文本相同。</p>'}
</div>`;
  return page(from, `差异：${title}`, body, 'other', undefined, mode);
}

/** A whole page for a route (null: no such page). */
export async function renderRoute(model: SiteModel, route: Route, opts: RenderOptions = { mode: 'static' }): Promise<string | null> {
  const mode = opts.mode;
  switch (route.kind) {
    case 'home':
      return renderHome(model, route.page, mode);
    case 'source':
      return renderSource(model, route.slug, route.page, mode);
    case 'days':
      return renderDays(model, mode);
    case 'day':
      return renderDay(model, route.day, mode);
    case 'sources':
      return renderSources(model, await model.health(), mode);
    case 'search':
      return renderSearch(mode);
    case 'article': {
      const a = model.article(route.slug, route.id);
      return a ? renderArticle(model, a, await model.body(a), mode) : null;
    }
    case 'history':
    case 'diff': {
      const a = model.article(route.slug, route.id);
      if (!a?.record.revisions?.length) return null;
      const h = await model.history(a);
      return route.kind === 'history' ? renderHistory(model, h, mode) : renderDiff(model, h, route.n, mode);
    }
  }
}
