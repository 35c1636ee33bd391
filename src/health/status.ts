/**
 * `newsvault status`: every source's health as the cells of a table (drawn by the CLI) or as JSON. A
 * source failing for more than a day reads "FAILING 3d" so it stands out; one failing for less reads
 * "failing"; one backing off shows when it will be polled again.
 */

import { FAILING_LONG_MS, emptyHealth, type HealthState, type SourceHealth } from './state.ts';

/** The part of a Source the status needs. */
export interface StatusSource {
  slug: string;
  name?: string;
  enabled?: boolean;
}

export type HealthLabel = 'ok' | 'failing' | 'failing-long' | 'never-polled' | 'disabled';

export interface StatusRow {
  slug: string;
  name: string;
  health: HealthLabel;
  /** How long it has been failing (ms), when it is. */
  failingForMs: number | null;
  record: SourceHealth;
  /** Whether the next run polls it (false: backing off until record.nextAttemptAfter). */
  due: boolean;
}

export function statusRows(state: HealthState, sources: readonly StatusSource[], now: number): StatusRow[] {
  return sources.map((s) => {
    const record = state.sources[s.slug] ?? emptyHealth();
    const failingForMs = record.consecutiveFailures > 0 && record.failingSince !== null ? Math.max(0, now - record.failingSince) : null;
    let health: HealthLabel;
    if (s.enabled === false) health = 'disabled';
    else if (record.lastAttempt === null) health = 'never-polled';
    else if (record.consecutiveFailures === 0) health = 'ok';
    else health = failingForMs !== null && failingForMs > FAILING_LONG_MS ? 'failing-long' : 'failing';
    const due = record.nextAttemptAfter === null || record.nextAttemptAfter <= now;
    return { slug: s.slug, name: s.name ?? s.slug, health, failingForMs, record, due };
  });
}

/** "just now", "45s ago", "12m ago", "5h ago", "3d ago"; "never" for null. */
export function formatAge(then: number | null, now: number): string {
  if (then === null) return 'never';
  const ms = now - then;
  if (ms < 0) return `in ${span(-ms)}`;
  if (ms < 5_000) return 'just now';
  return `${span(ms)} ago`;
}

/** 45s, 12m, 5h, 3d (hours below two days, so "36h" rather than "1d"). */
export function span(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

function healthCell(row: StatusRow): string {
  switch (row.health) {
    case 'failing-long':
      return `FAILING ${span(row.failingForMs ?? 0)}`;
    case 'failing':
      return 'failing';
    case 'never-polled':
      return 'new';
    default:
      return row.health;
  }
}

function nextCell(row: StatusRow, now: number): string {
  if (row.health === 'disabled') return '—';
  if (row.due) return 'next run';
  return `${formatAge(row.record.nextAttemptAfter, now)} (backoff)`;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export interface StatusTable {
  head: string[];
  rows: string[][];
  /** The line under the table: counts by health. */
  summary: string;
}

/** What `newsvault status` shows: a header, one row of plain-text cells per source, a summary line. */
export function statusTable(state: HealthState, sources: readonly StatusSource[], now: number): StatusTable {
  const rows = statusRows(state, sources, now);
  const cells = rows.map((row) => {
    const r = row.record;
    return [
      row.slug,
      healthCell(row),
      formatAge(r.lastSuccess, now),
      formatAge(r.lastAttempt, now),
      r.lastStatus === null ? '—' : String(r.lastStatus),
      String(r.consecutiveFailures),
      r.consecutiveFailures > 0 && r.lastError ? truncate(r.lastError, 200) : '—',
      nextCell(row, now),
    ];
  });
  const count = (h: HealthLabel) => rows.filter((r) => r.health === h).length;
  const parts = [`${rows.length} source(s)`, `${count('ok')} ok`];
  if (count('failing')) parts.push(`${count('failing')} failing`);
  if (count('failing-long')) parts.push(`${count('failing-long')} FAILING for more than a day`);
  if (count('never-polled')) parts.push(`${count('never-polled')} never polled`);
  if (count('disabled')) parts.push(`${count('disabled')} disabled`);
  const backingOff = rows.filter((r) => !r.due && r.health !== 'disabled').length;
  if (backingOff) parts.push(`${backingOff} backing off`);
  return {
    head: ['source', 'health', 'last success', 'last attempt', 'HTTP', 'failures', 'last error', 'next attempt'],
    rows: cells,
    summary: `${parts.join(', ')}.`,
  };
}

/** `newsvault status --json`: the same rows, times as ISO strings. */
export function statusJson(state: HealthState, sources: readonly StatusSource[], now: number) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    generatedAt: iso(now),
    sources: statusRows(state, sources, now).map((row) => ({
      slug: row.slug,
      name: row.name,
      health: row.health,
      failingForSeconds: row.failingForMs === null ? null : Math.round(row.failingForMs / 1000),
      due: row.due,
      lastAttempt: iso(row.record.lastAttempt),
      lastSuccess: iso(row.record.lastSuccess),
      lastStatus: row.record.lastStatus,
      consecutiveFailures: row.record.consecutiveFailures,
      lastError: row.record.lastError,
      lastFailure: iso(row.record.lastFailure),
      failingSince: iso(row.record.failingSince),
      lastNewArticle: iso(row.record.lastNewArticle),
      nextAttemptAfter: iso(row.record.nextAttemptAfter),
    })),
  };
}
