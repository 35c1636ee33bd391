/**
 * The health state's file format (`<archive>/.newsvault/state.json`, read and written by src/storage).
 * Reading is forgiving: the state is a cache of what happened, so a damaged file is replaced (with a
 * warning) rather than stopping the run, and unknown or odd fields are dropped; it is never trusted as is.
 */

import { z } from 'zod';
import { emptyHealth, emptyState, type HealthState, type SourceHealth } from './state.ts';

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

export function parseState(text: string, file = 'state.json'): LoadedState {
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
