/**
 * An article's history: finding it across sources (by id, archive-relative path or URL) and reading every
 * version it had — the revision files, oldest first, then the current article file. Read-only: manifests
 * and files are read through the Archive's `readPage`, nothing is written or locked.
 */
import path from 'node:path';
import { canonicalUrl, normaliseLink, parseArticle, parseManifest, type ManifestRecord } from '../archive/index.ts';
import { textOfHtml } from '../extract/text.ts';
import type { Archive } from '../storage/index.ts';

export interface Located {
  source: string;
  record: ManifestRecord;
}

const ID = /^[a-z2-7]{10,16}$/;

/** The current records of a source, from its manifest (damaged lines skipped). */
export async function readRecords(archive: Archive, slug: string): Promise<ManifestRecord[]> {
  const text = await archive.readPage(`articles/${slug}/index.jsonl`);
  return text === null ? [] : [...parseManifest(text, `articles/${slug}/index.jsonl`).records.values()];
}

/** An archive-relative path from what a user typed: absolute (inside the archive), ./relative or a root link. */
function relativePath(root: string, query: string): string {
  let q = query.trim();
  if (path.isAbsolute(q) && q.startsWith(root + path.sep)) q = path.relative(root, q);
  q = q.split(path.sep).join('/').replace(/^\.\//, '').replace(/^\/+/, '');
  try {
    q = decodeURIComponent(q);
  } catch {
    // not percent-encoded
  }
  return q;
}

/** The article path a revision file belongs to (`revisions/x/….v2.md` → `articles/x/….md`). */
function articlePathOfRevision(rel: string): string | null {
  const m = /^revisions\/(.+)\.v\d+\.md$/.exec(rel);
  return m ? `articles/${m[1]}.md` : null;
}

/**
 * The articles `query` names: an id (10–16 base32 characters), an archive-relative path of an article or of
 * one of its revision files, or a URL (matched by canonical URL, so tracking parameters and `www.` do not
 * matter). Usually one; an id or URL archived by two sources gives both.
 */
export async function locate(archive: Archive, query: string): Promise<Located[]> {
  const q = query.trim();
  const slugs = await archive.slugs();
  const found: Located[] = [];
  let match: (r: ManifestRecord) => boolean;
  if (/^https?:\/\//i.test(q)) {
    const canonical = canonicalUrl(normaliseLink(q));
    match = (r) => r.link === q || (canonical !== null && (r.canonical === canonical || canonicalUrl(r.link) === canonical));
  } else if (ID.test(q)) {
    match = (r) => r.id === q;
  } else {
    const rel = relativePath(archive.root, q);
    const article = articlePathOfRevision(rel) ?? rel;
    match = (r) => r.path === article || (r.revisions?.some((v) => v.path === rel) ?? false);
  }
  for (const slug of slugs) {
    for (const record of await readRecords(archive, slug)) if (match(record)) found.push({ source: slug, record });
  }
  return found;
}

export interface Version {
  /** 1, 2, … oldest first; the current text is the last. */
  n: number;
  /** 'v1', 'v2', … for revision files, 'current' for the article file. */
  label: string;
  /** Archive-relative file holding this version. */
  path: string;
  current: boolean;
  /** contentHash of its title and text, as the manifest recorded it. */
  hash: string;
  /** When this version was archived (first seen, or when it replaced the one before): ms, or null when unknown. */
  archivedAt: number | null;
  /** When it was replaced by the next version (null for the current one). */
  replacedAt: number | null;
  /** Why it replaced the version before, when not by a run over the feed: 'recheck', 'reextract'. */
  reason: string | null;
  /** The site rule that extracted it, when known (recheck, reextract). */
  rule: string | null;
  /** The path in an imported archive this text came from. */
  importedFrom: string | null;
  title: string | null;
  link: string | null;
  /** The header's publication time. */
  published: number | null;
  html: string | null;
  /** The HTML as plain text (paragraphs separated by blank lines); null when the file is missing or unreadable. */
  text: string | null;
}

export interface History {
  source: string;
  record: ManifestRecord;
  versions: Version[];
}

/** Every version of a located article, oldest first, the current text last. */
export async function loadHistory(archive: Archive, { source, record }: Located): Promise<History> {
  const revisions = record.revisions ?? [];
  const versions: Version[] = [];
  const read = async (rel: string) => {
    const text = await archive.readPage(rel).catch(() => null);
    return text === null ? null : parseArticle(text);
  };
  for (let i = 0; i <= revisions.length; i++) {
    const entry = revisions[i];
    const before = i > 0 ? revisions[i - 1] : undefined;
    const rel = entry ? entry.path : record.path;
    const fields = await read(rel);
    const label = entry ? (/\.(v\d+)\.md$/.exec(entry.path)?.[1] ?? `v${i + 1}`) : 'current';
    const importedFrom = entry ? (entry.importedFrom ?? null) : record.importedFrom && record.importedFrom.sha === record.sha ? record.importedFrom.path : null;
    versions.push({
      n: i + 1,
      label,
      path: rel,
      current: !entry,
      hash: entry ? entry.hash : record.hash,
      archivedAt: before ? before.savedAt : i === 0 ? record.firstSeen : null,
      replacedAt: entry ? entry.savedAt : null,
      reason: before?.reason ?? null,
      rule: before?.rule ?? null,
      importedFrom,
      title: fields?.title ?? null,
      link: fields?.link ?? null,
      published: fields?.published ?? null,
      html: fields?.contentHtml ?? null,
      text: fields ? textOfHtml(fields.contentHtml) : null,
    });
  }
  return { source, record, versions };
}
