/**
 * The manifest of a source, `articles/<slug>/index.jsonl`: one JSON record per line, the only place the
 * GUID is kept. It is a journal: a commit appends the article's whole new record, and a later line for
 * an id supersedes the earlier ones; `compact` rewrites it (atomically) with one line per article.
 * Every line is checked against the schema on load: a damaged line is reported and skipped, never trusted.
 */
import { z } from 'zod';

const relPath = (prefix: string) =>
  z
    .string()
    .refine((p) => p.startsWith(prefix) && p.endsWith('.md') && !p.split('/').some((s) => s === '..' || s === '.' || s === ''), {
      error: `must be a path under ${prefix}`,
    });

export const goneSchema = z.object({
  at: z.number(),
  reason: z.string(),
  status: z.number().optional(),
  url: z.string().optional(),
});

export const manifestRecordSchema = z.object({
  id: z.string().regex(/^[a-z2-7]{10,16}$/),
  /** Path of the article file, relative to the archive root, with forward slashes. */
  path: relPath('articles/'),
  guid: z.string().nullable(),
  link: z.string(),
  canonical: z.string().nullable(),
  published: z.number(),
  /** True when the feed gave no usable date and the first-seen time stands in. */
  dateGuessed: z.literal(true).optional(),
  title: z.string(),
  /** contentHash of the current title and text. */
  hash: z.string(),
  bodyHash: z.string(),
  /** SHA-256 of the article file's bytes as written (absent in records of older versions). */
  sha: z.string().optional(),
  firstSeen: z.number(),
  /** When the text last changed (a revision was kept). */
  changedAt: z.number().optional(),
  /** 'page' when the text was extracted from the article's web page rather than taken from the feed. */
  textSource: z.literal('page').optional(),
  /** Set by `newsvault import`: where the text the record's `sha` names came from (its path in the imported
   *  archive) and that text's SHA-256. When `sha` differs, a run has revised the imported text since. */
  importedFrom: z.object({ path: z.string(), sha: z.string() }).optional(),
  /** Earlier versions, oldest first: their hashes and the files that keep them (`importedFrom`: the path in the
   *  imported archive of a text kept by `newsvault import`). */
  revisions: z
    .array(
      z.object({
        hash: z.string(),
        path: relPath('revisions/'),
        savedAt: z.number(),
        importedFrom: z.string().optional(),
        /** Why the text was replaced, when not by a run over the feed: 'recheck' or 'reextract' (see docs/history.md). */
        reason: z.string().optional(),
        /** The site rule that extracted the text that replaced it ('generic' for Readability alone). */
        rule: z.string().optional(),
      }),
    )
    .optional(),
  /** Set by `newsvault recheck` when the article's page answered 404/410 or redirected to a home or section
   *  page: when it was noticed, why, the HTTP status and the URL it redirected to. The article is kept. */
  gone: goneSchema.optional(),
});

export type GoneMark = z.infer<typeof goneSchema>;

export type ManifestRecord = z.infer<typeof manifestRecordSchema>;
export type RevisionEntry = NonNullable<ManifestRecord['revisions']>[number];

/** One line, keys in a fixed order so the file diffs well. */
export function serialiseRecord(r: ManifestRecord): string {
  const ordered: ManifestRecord = {
    id: r.id,
    path: r.path,
    guid: r.guid,
    link: r.link,
    canonical: r.canonical,
    published: r.published,
    ...(r.dateGuessed ? { dateGuessed: true as const } : {}),
    title: r.title,
    hash: r.hash,
    bodyHash: r.bodyHash,
    ...(r.sha ? { sha: r.sha } : {}),
    firstSeen: r.firstSeen,
    ...(r.changedAt ? { changedAt: r.changedAt } : {}),
    ...(r.textSource ? { textSource: r.textSource } : {}),
    ...(r.importedFrom ? { importedFrom: { path: r.importedFrom.path, sha: r.importedFrom.sha } } : {}),
    ...(r.revisions?.length ? { revisions: r.revisions } : {}),
    ...(r.gone ? { gone: r.gone } : {}),
  };
  return JSON.stringify(ordered);
}

export interface ParsedManifest {
  /** The current record of each article: the last line for its id wins. */
  records: Map<string, ManifestRecord>;
  /** Lines read (superseded ones included). */
  lines: number;
  /** One message per damaged line. */
  damaged: string[];
  /** The file does not end with a line break (a torn last append): the next append starts a new line. */
  torn: boolean;
}

export function parseManifest(text: string, name: string): ParsedManifest {
  const records = new Map<string, ManifestRecord>();
  const damaged: string[] = [];
  let lines = 0;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    lines++;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      damaged.push(`${name}: line ${i + 1} is not valid JSON; skipped`);
      return;
    }
    const parsed = manifestRecordSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      damaged.push(`${name}: line ${i + 1} is not a valid record (${issue?.path.join('.') || 'record'}: ${issue?.message}); skipped`);
      return;
    }
    records.set(parsed.data.id, parsed.data);
  });
  return { records, lines, damaged, torn: text.length > 0 && !text.endsWith('\n') };
}

/** A valid line of the manifest: its record, and where the line is (byte offset in the file, length). */
export interface ScannedLine {
  rec: ManifestRecord;
  at: number;
  len: number;
}

export interface ScannedManifest {
  /** Valid lines, in file order (a later line for an id supersedes the earlier ones). */
  lines: ScannedLine[];
  /** Non-blank lines read (superseded and damaged ones included). */
  count: number;
  damaged: string[];
  torn: boolean;
  /** The number the next line would have. */
  nextLine: number;
}

/**
 * Reads manifest bytes line by line (as `parseManifest`, with the same checks), keeping where each valid
 * line is: `base` is the offset of `buf` in the file, `firstLine` the number of its first line.
 */
export function scanManifest(buf: Buffer, base: number, name: string, firstLine = 1): ScannedManifest {
  const lines: ScannedLine[] = [];
  const damaged: string[] = [];
  let count = 0;
  let n = firstLine;
  for (let s = 0; s < buf.length; n++) {
    const nl = buf.indexOf(10, s);
    const end = nl === -1 ? buf.length : nl;
    const line = buf.toString('utf8', s, end);
    const at = s;
    s = end + 1;
    if (line.trim() === '') continue;
    count++;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      damaged.push(`${name}: line ${n} is not valid JSON; skipped`);
      continue;
    }
    const parsed = manifestRecordSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      damaged.push(`${name}: line ${n} is not a valid record (${issue?.path.join('.') || 'record'}: ${issue?.message}); skipped`);
      continue;
    }
    lines.push({ rec: parsed.data, at: base + at, len: end - at });
  }
  const torn = buf.length > 0 && buf[buf.length - 1] !== 10;
  return { lines, count, damaged, torn, nextLine: n };
}
