/**
 * OPML 2.0 (http://opml.org/spec2.opml), the subscription lists feed readers exchange: the sources of an
 * archive as `<outline type="rss" text title xmlUrl htmlUrl/>`, and such a list into newsvault.yaml.
 */
import sax from 'sax';
import { isMap, parseDocument, YAMLMap, type Document } from 'yaml';
import { canonicalUrl } from '../archive/index.ts';
import type { Source } from '../domain.ts';
import { isValidSlug, slugify } from '../sources/index.ts';

export class OpmlError extends Error {
  override readonly name = 'OpmlError';
}

/** One feed of an OPML file. */
export interface OpmlFeed {
  /** `text`, else `title`, else ''. */
  text: string;
  xmlUrl: string;
  htmlUrl?: string;
  /** The outlines it is nested in (a reader's folders), outermost first. */
  category: string[];
}

/** The feeds of an OPML file (every outline with an xmlUrl, at any depth), in document order. */
export function parseOpml(text: string): OpmlFeed[] {
  const parser = sax.parser(true, { trim: false, xmlns: false });
  const feeds: OpmlFeed[] = [];
  const stack: { name: string; text: string }[] = [];
  let root: string | null = null;
  let error: Error | null = null;
  parser.onerror = (err) => {
    error ??= err;
    parser.resume();
  };
  parser.onopentag = (node) => {
    root ??= node.name;
    const attr = (name: string): string => {
      const value = node.attributes[name];
      return typeof value === 'string' ? value.trim() : '';
    };
    if (node.name === 'outline') {
      const label = attr('text') || attr('title');
      const xmlUrl = attr('xmlUrl') || attr('xmlurl');
      if (xmlUrl) {
        const htmlUrl = attr('htmlUrl') || attr('htmlurl');
        feeds.push({ text: label, xmlUrl, ...(htmlUrl ? { htmlUrl } : {}), category: stack.filter((s) => s.name === 'outline').map((s) => s.text) });
      }
      stack.push({ name: 'outline', text: label });
    } else {
      stack.push({ name: node.name, text: '' });
    }
  };
  parser.onclosetag = () => void stack.pop();
  parser.write(text).close();
  if (error) throw new OpmlError(`not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  if (root !== 'opml') throw new OpmlError(root ? `the root element is <${root}>, not <opml>` : 'no XML element in it');
  return feeds;
}

/** An attribute value: the five XML escapes; characters XML 1.0 cannot hold removed; line breaks and tabs kept as references. */
function attr(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

export interface RenderOpmlResult {
  text: string;
  /** Feeds left out: not http(s) URLs (local files). */
  skipped: { slug: string; feed: string }[];
}

/** An OPML 2.0 document of the sources' feeds: one outline per feed (a source with two feeds has two). */
export function renderOpml(sources: readonly Source[], title = 'Newsvault sources'): RenderOpmlResult {
  const skipped: RenderOpmlResult['skipped'] = [];
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', '  <head>', `    <title>${attr(title)}</title>`, '    <docs>http://opml.org/spec2.opml</docs>', '  </head>', '  <body>'];
  for (const source of sources) {
    for (const feed of source.feeds) {
      if (!/^https?:\/\//i.test(feed)) {
        skipped.push({ slug: source.slug, feed });
        continue;
      }
      const html = source.homepage ? ` htmlUrl="${attr(source.homepage)}"` : '';
      lines.push(`    <outline type="rss" text="${attr(source.name)}" title="${attr(source.name)}" xmlUrl="${attr(feed)}"${html}/>`);
    }
  }
  lines.push('  </body>', '</opml>', '');
  return { text: lines.join('\n'), skipped };
}

export interface AddedSource {
  slug: string;
  name: string;
  feed: string;
}

export interface AddSourcesResult {
  /** The new newsvault.yaml text (comments and everything else kept). */
  text: string;
  added: AddedSource[];
  /** Feeds not added, and why (already a configured feed, given twice, not http(s)). */
  skipped: { feed: string; reason: string }[];
}

/** A slug for a feed: from its name, else its host, made unique among `taken`. */
function slugFor(feed: OpmlFeed, taken: Set<string>): string {
  let host = '';
  try {
    host = new URL(feed.xmlUrl).hostname.replace(/^www\./, '');
  } catch {
    // no URL: the name or "feed"
  }
  const base = slugify(feed.text, 48) || slugify(host, 48) || 'feed';
  let slug = base;
  for (let n = 2; taken.has(slug) || !isValidSlug(slug); n++) slug = `${base}-${n}`;
  taken.add(slug);
  return slug;
}

/**
 * Adds the feeds to a newsvault.yaml's `sources:` (text, or null when there is none yet: then `template`),
 * with the yaml Document API so that comments and layout are kept. A feed that a configured source (or the
 * catalog) already polls — compared as canonical URLs — is skipped, as is one given twice.
 */
export function addSourcesToConfig(yamlText: string | null, feeds: readonly OpmlFeed[], configured: readonly Source[], template = ''): AddSourcesResult {
  const doc: Document = parseDocument(yamlText ?? template);
  if (doc.errors.length > 0) throw new OpmlError(`newsvault.yaml is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const current = doc.get('sources', true);
  let sources: YAMLMap;
  if (isMap(current)) sources = current;
  else {
    if (current !== undefined && current !== null && !(typeof current === 'object' && 'value' in current && current.value === null)) {
      throw new OpmlError('newsvault.yaml: sources: is not a mapping');
    }
    // `sources:` with nothing but comments under it (the template): a mapping, the comments kept
    const map = new YAMLMap();
    const old = current as { comment?: string | null; commentBefore?: string | null } | null | undefined;
    if (old?.commentBefore) map.commentBefore = old.commentBefore;
    if (old?.comment) map.comment = old.comment;
    doc.set('sources', map);
    sources = map;
  }
  const known = new Set<string>();
  for (const s of configured) for (const f of s.feeds) known.add(canonicalUrl(f) ?? f);
  const taken = new Set(configured.map((s) => s.slug));
  const added: AddedSource[] = [];
  const skipped: AddSourcesResult['skipped'] = [];
  for (const feed of feeds) {
    const key = canonicalUrl(feed.xmlUrl);
    if (!key) {
      skipped.push({ feed: feed.xmlUrl, reason: 'not an http(s) URL' });
      continue;
    }
    if (known.has(key)) {
      const by = configured.find((s) => s.feeds.some((f) => (canonicalUrl(f) ?? f) === key));
      skipped.push({ feed: feed.xmlUrl, reason: by ? `already configured (${by.slug})` : 'given twice' });
      continue;
    }
    known.add(key);
    const slug = slugFor(feed, taken);
    const name = feed.text || slug;
    const node = doc.createNode({ name, feed: feed.xmlUrl });
    const notes = [feed.htmlUrl ? `site: ${feed.htmlUrl}` : '', feed.category.length ? `folder: ${feed.category.join(' / ')}` : ''].filter(Boolean);
    node.commentBefore = ` from OPML${notes.length ? `; ${notes.join('; ')}` : ''}`;
    sources.set(slug, node);
    added.push({ slug, name, feed: feed.xmlUrl });
  }
  return { text: doc.toString(), added, skipped };
}
