/**
 * What the last run took in full from each feed: per source, the SHA-256 of each feed body it processed to
 * the end with nothing left to retry, and the state of the source's manifest after that run. A later run
 * that is served the same bytes, for a source whose manifest is still in that state, skips the feed as it
 * skips a 304 (see src/run). Local state (`.newsvault/feeds.json`); a missing or damaged file only means
 * the feeds are processed again.
 */
import { z } from 'zod';

export interface ProcessedFeed {
  /** SHA-256 of the feed's body as fetched. */
  body: string;
  /** What the processing depended on beyond the body (the source's settings; see src/run). */
  config: string;
}

export interface ProcessedSource {
  /** The manifest's state (size, inode, modification time) after the run that recorded the feeds; null: no manifest. */
  manifest: string | null;
  /** Feed location → its last body processed in full. */
  feeds: Record<string, ProcessedFeed>;
}

/** Source slug → what was processed. */
export type Processed = Record<string, ProcessedSource>;

const VERSION = 1;

const schema = z.object({
  version: z.literal(VERSION),
  sources: z.record(
    z.string(),
    z.object({
      manifest: z.string().nullable(),
      feeds: z.record(z.string(), z.object({ body: z.string().regex(/^[0-9a-f]{64}$/), config: z.string() })),
    }),
  ),
});

/** The file's text read: a damaged or foreign file gives nothing processed (every feed is processed again). */
export function parseProcessed(text: string): Processed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = schema.safeParse(data);
  return parsed.success ? parsed.data.sources : {};
}

export function serializeProcessed(processed: Processed): string {
  const sources: Processed = {};
  for (const slug of Object.keys(processed).sort()) {
    const s = processed[slug]!;
    if (Object.keys(s.feeds).length > 0) sources[slug] = s;
  }
  return `${JSON.stringify({ version: VERSION, sources }, null, 1)}\n`;
}
