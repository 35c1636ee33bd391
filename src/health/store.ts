/**
 * `<archive>/.newsvault/state.json`: the health state on disk. That folder is git-ignored local
 * state (see archive/fsutil.ts prepareRoot), so polling never changes the tracked tree.
 *
 * Writes are atomic (temporary file in `.newsvault/tmp/`, then rename). Reading is forgiving: the
 * state is a cache of what happened, so a missing file is an empty state and a damaged one is
 * replaced (with a warning) rather than stopping the run; unknown fields are dropped.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { prepareRoot, writeAtomic } from '../archive/fsutil.ts';
import { emptyHealth, emptyState, type HealthState, type SourceHealth } from './state.ts';

export const STATE_FILE = path.join('.newsvault', 'state.json');

export function statePath(root: string): string {
  return path.join(path.resolve(root), STATE_FILE);
}

const isoOrNull = z
  .string()
  .nullable()
  .optional()
  .transform((v) => {
    if (v === null || v === undefined) return null;
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  });

const sourceSchema = z.object({
  lastAttempt: isoOrNull,
  lastSuccess: isoOrNull,
  lastStatus: z.number().int().nullable().optional().catch(null),
  consecutiveFailures: z.number().int().min(0).optional().catch(0),
  lastError: z.string().nullable().optional().catch(null),
  lastFailure: isoOrNull,
  failingSince: isoOrNull,
  lastNewArticle: isoOrNull,
  nextAttemptAfter: isoOrNull,
});

const fileSchema = z.object({
  version: z.literal(1),
  feeds: z.record(z.string(), z.object({ etag: z.string().optional(), lastModified: z.string().optional() }).catch({})).optional(),
  sources: z.record(z.string(), sourceSchema).optional(),
});

export interface LoadedState {
  state: HealthState;
  /** Why the file was not used, when it was there but unreadable. */
  warning: string | null;
}

export async function loadState(root: string): Promise<LoadedState> {
  const file = statePath(root);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState(), warning: null };
    return { state: emptyState(), warning: `${file} could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); starting from an empty state` };
  }
  return parseState(text, file);
}

export function parseState(text: string, file = STATE_FILE): LoadedState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { state: emptyState(), warning: `${file} is not valid JSON; starting from an empty state` };
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) return { state: emptyState(), warning: `${file} is not a Newsvault state file (version 1); starting from an empty state` };
  const state = emptyState();
  for (const [url, v] of Object.entries(parsed.data.feeds ?? {})) {
    if (v.etag || v.lastModified) state.feeds[url] = { ...(v.etag ? { etag: v.etag } : {}), ...(v.lastModified ? { lastModified: v.lastModified } : {}) };
  }
  for (const [slug, s] of Object.entries(parsed.data.sources ?? {})) {
    state.sources[slug] = {
      ...emptyHealth(),
      ...s,
      lastStatus: s.lastStatus ?? null,
      consecutiveFailures: s.consecutiveFailures ?? 0,
      lastError: s.lastError ?? null,
    };
  }
  return { state, warning: null };
}

/** The JSON written: ISO times, sorted keys, so the file reads (and diffs) well. */
export function serializeState(state: HealthState): string {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  const sources: Record<string, unknown> = {};
  for (const slug of Object.keys(state.sources).sort()) {
    const h = state.sources[slug]!;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(h) as (keyof SourceHealth)[]) {
      const v = h[key];
      out[key] = key === 'lastStatus' || key === 'consecutiveFailures' || key === 'lastError' ? v : iso(v as number | null);
    }
    sources[slug] = out;
  }
  const feeds: Record<string, unknown> = {};
  for (const url of Object.keys(state.feeds).sort()) feeds[url] = state.feeds[url];
  return `${JSON.stringify({ version: 1, feeds, sources }, null, 2)}\n`;
}

/** Writes the state atomically under `<root>/.newsvault/`. */
export async function saveState(root: string, state: HealthState): Promise<void> {
  await prepareRoot(root);
  await writeAtomic(statePath(root), serializeState(state));
}
