/** `newsvault history`'s output: the versions of an article, with dates, and the differences between them. */
import { utc8Parts } from '../archive/index.ts';
import { diffParagraphs, diffText, renderChanges, renderTextDiff, type Block, type TextChange } from './diff.ts';
import type { History, Version } from './versions.ts';

export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  const p = utc8Parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

function origin(v: Version): string {
  if (v.importedFrom) return `imported from ${v.importedFrom}`;
  if (v.reason) return `${v.reason}${v.rule ? ` (rule ${v.rule})` : ''}`;
  return v.n === 1 ? 'first archived' : 'edited at the source';
}

export interface HistoryTextOptions {
  diff?: boolean;
  color?: boolean;
}

/** A human-readable history: one line per version, then (with `diff`) each step's changes. */
export function renderHistory(h: History, opts: HistoryTextOptions = {}): string {
  const r = h.record;
  const out: string[] = [
    `${r.title}`,
    `${h.source}/${r.id}  ${r.path}`,
    `${r.link}`,
  ];
  if (r.gone) out.push(`🗑 removed at source, noticed ${formatTime(r.gone.at)} (UTC+8): ${r.gone.reason}`);
  out.push('', `${h.versions.length} version(s), times in UTC+8:`);
  for (const v of h.versions) {
    const name = v.current ? `${v.label} (v${v.n})` : v.label;
    out.push(`  ${name.padEnd(13)} ${formatTime(v.archivedAt).padEnd(16)}  ${origin(v)}  ${v.path}${v.text === null ? '  (file missing)' : ''}`);
  }
  if (opts.diff) {
    for (let i = 1; i < h.versions.length; i++) {
      const a = h.versions[i - 1]!;
      const b = h.versions[i]!;
      out.push('', `── ${a.label} → ${b.label} (${formatTime(b.archivedAt)}, ${origin(b)}) ──`);
      if (a.text === null || b.text === null) {
        out.push(`  (${a.text === null ? a.path : b.path} cannot be read)`);
        continue;
      }
      if ((a.title ?? '') !== (b.title ?? '')) out.push(`title: ${renderChanges(diffText(a.title ?? '', b.title ?? ''), opts)}`);
      if ((a.link ?? '') !== (b.link ?? '')) out.push(`link: ${a.link ?? ''} → ${b.link ?? ''}`);
      if (a.text === b.text) out.push(a.html === b.html ? '  (same text)' : '  (same text; the HTML differs: markup, images or links)');
      else out.push(...renderTextDiff(a.text, b.text, opts));
    }
  } else if (h.versions.length > 1) {
    out.push('', '--diff shows what changed between consecutive versions.');
  }
  return out.join('\n');
}

export interface VersionJson {
  n: number;
  label: string;
  path: string;
  current: boolean;
  hash: string;
  archivedAt: string | null;
  replacedAt: string | null;
  reason: string | null;
  rule: string | null;
  importedFrom: string | null;
  title: string | null;
  link: string | null;
  published: string | null;
  text: string | null;
}

export interface DiffJson {
  from: string;
  to: string;
  title: TextChange[] | null;
  /** The plain text's changes, paragraph by paragraph (unchanged runs counted). */
  paragraphs: Block[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The history as JSON: the record, every version (with its plain text), and the diffs between them. */
export function historyJson(h: History): { source: string; id: string; path: string; link: string; gone: unknown; versions: VersionJson[]; diffs: DiffJson[] } {
  const versions = h.versions.map((v) => ({
    n: v.n,
    label: v.label,
    path: v.path,
    current: v.current,
    hash: v.hash,
    archivedAt: iso(v.archivedAt),
    replacedAt: iso(v.replacedAt),
    reason: v.reason,
    rule: v.rule,
    importedFrom: v.importedFrom,
    title: v.title,
    link: v.link,
    published: iso(v.published),
    text: v.text,
  }));
  const diffs: DiffJson[] = [];
  for (let i = 1; i < h.versions.length; i++) {
    const a = h.versions[i - 1]!;
    const b = h.versions[i]!;
    diffs.push({
      from: a.label,
      to: b.label,
      title: (a.title ?? '') === (b.title ?? '') ? null : diffText(a.title ?? '', b.title ?? ''),
      paragraphs: diffParagraphs(a.text ?? '', b.text ?? ''),
    });
  }
  const r = h.record;
  return { source: h.source, id: r.id, path: r.path, link: r.link, gone: r.gone ? { ...r.gone, at: iso(r.gone.at) } : null, versions, diffs };
}
