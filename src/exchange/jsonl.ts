/**
 * The archive as JSON Lines for research: one article per line, with its metadata, its HTML and plain
 * text, and every earlier version. Read-only: manifests and files are read, nothing is written or locked,
 * one source's manifest at a time (see docs/export.md for the fields).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { compareRecords, parseArticle, parseManifest, type ManifestRecord } from '../archive/index.ts';
import { textOfHtml } from '../extract/text.ts';

export interface ExportRevision {
  path: string;
  hash: string;
  savedAt: string;
  importedFrom: string | null;
  title: string | null;
  link: string | null;
  published: string | null;
  html: string | null;
  text: string | null;
}

/** One line of the export. */
export interface ExportedArticle {
  source: string;
  sourceName: string;
  id: string;
  path: string;
  title: string;
  link: string;
  canonical: string | null;
  guid: string | null;
  /** ISO 8601 (UTC); `publishedMs` the same in ms since 1970. */
  published: string;
  publishedMs: number;
  dateGuessed: boolean;
  firstSeen: string;
  changedAt: string | null;
  /** Where the current text came from: the feed, the article's page, or an import of the original archive. */
  textSource: 'feed' | 'page' | 'import';
  importedFrom: string | null;
  /** SHA-256 of the article file. */
  sha: string | null;
  html: string | null;
  text: string | null;
  /** Earlier versions, oldest first. */
  revisions: ExportRevision[];
}

export interface ExportOptions {
  /** The archive folder. */
  root: string;
  /** Only these source slugs (default: every source with articles). */
  sources?: readonly string[];
  /** Only articles published at or after this time (ms). */
  since?: number;
  /** Names of the sources (slug → name); the slug otherwise. */
  names?: ReadonlyMap<string, string>;
  /** Receives each line (with its final \n); awaited, so a slow reader slows the export (backpressure). */
  write: (line: string) => Promise<void> | void;
  onWarning?: (warning: string) => void;
}

export interface ExportSummary {
  articles: number;
  sources: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

async function readFileText(root: string, rel: string): Promise<string | null> {
  const abs = path.resolve(root, rel);
  if (path.relative(root, abs).startsWith('..')) return null;
  return fs.readFile(abs, 'utf8').catch(() => null);
}

async function revisionOf(root: string, v: NonNullable<ManifestRecord['revisions']>[number]): Promise<ExportRevision> {
  const raw = await readFileText(root, v.path);
  const fields = raw === null ? null : parseArticle(raw);
  const html = fields ? fields.contentHtml : raw;
  return {
    path: v.path,
    hash: v.hash,
    savedAt: iso(v.savedAt),
    importedFrom: v.importedFrom ?? null,
    title: fields?.title ?? null,
    link: fields?.link ?? null,
    published: fields ? iso(fields.published) : null,
    html,
    text: html === null ? null : textOfHtml(html),
  };
}

/** One article's line (without the line break). */
export async function exportArticle(root: string, source: string, sourceName: string, rec: ManifestRecord): Promise<ExportedArticle> {
  const raw = await readFileText(root, rec.path);
  const fields = raw === null ? null : parseArticle(raw);
  const html = fields ? fields.contentHtml : raw;
  const imported = rec.importedFrom !== undefined && rec.importedFrom.sha === rec.sha;
  return {
    source,
    sourceName,
    id: rec.id,
    path: rec.path,
    title: rec.title,
    link: rec.link,
    canonical: rec.canonical,
    guid: rec.guid,
    published: iso(rec.published),
    publishedMs: rec.published,
    dateGuessed: rec.dateGuessed === true,
    firstSeen: iso(rec.firstSeen),
    changedAt: rec.changedAt ? iso(rec.changedAt) : null,
    textSource: imported ? 'import' : (rec.textSource ?? 'feed'),
    importedFrom: rec.importedFrom?.path ?? null,
    sha: rec.sha ?? null,
    html,
    text: html === null ? null : textOfHtml(html),
    revisions: await Promise.all((rec.revisions ?? []).map((v) => revisionOf(root, v))),
  };
}

/** Streams the archive's articles, source by source (by slug), oldest first within a source. */
export async function exportJsonl(opts: ExportOptions): Promise<ExportSummary> {
  const root = path.resolve(opts.root);
  const all = (await fs.readdir(path.join(root, 'articles'), { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && /^[a-z0-9][a-z0-9-]*$/.test(e.name))
    .map((e) => e.name)
    .sort();
  const slugs = opts.sources ? all.filter((s) => opts.sources!.includes(s)) : all;
  let articles = 0;
  for (const slug of slugs) {
    const manifest = `articles/${slug}/index.jsonl`;
    const text = await readFileText(root, manifest);
    if (text === null) {
      opts.onWarning?.(`${manifest}: missing; ${slug} left out`);
      continue;
    }
    const parsed = parseManifest(text, manifest);
    for (const d of parsed.damaged) opts.onWarning?.(d);
    const records = [...parsed.records.values()].sort((a, b) => compareRecords(b, a));
    for (const rec of records) {
      if (opts.since !== undefined && rec.published < opts.since) continue;
      const line = await exportArticle(root, slug, opts.names?.get(slug) ?? slug, rec);
      if (line.html === null) opts.onWarning?.(`${rec.path}: missing; exported with its record only`);
      await opts.write(`${JSON.stringify(line)}\n`);
      articles++;
    }
  }
  return { articles, sources: slugs };
}

/** `--since`: a date (YYYY-MM-DD, midnight in UTC+8, the archive's clock) or an ISO 8601 time. Null when unreadable. */
export function parseSince(value: string): number | null {
  const v = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00+08:00`) : /^\d{4}-\d{2}$/.test(v) ? Date.parse(`${v}-01T00:00:00+08:00`) : Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}
