/** Command-line helpers of recheck and reextract: --since values and the report's table. */
import type CliTable3 from 'cli-table3';
import type { RevisitReport } from './recheck.ts';

/**
 * A `--since` value as a time: a duration back from `now` (`7d`, `12h`, `2w`), a date (YYYY-MM-DD in UTC+8)
 * or an ISO 8601 time. null when it is none of these.
 */
export function parseSinceArg(value: string, now: number): number | null {
  const v = value.trim();
  const d = /^(\d+)\s*([hdw])$/i.exec(v);
  if (d) return now - Number(d[1]) * { h: 3600_000, d: 86400_000, w: 7 * 86400_000 }[d[2]!.toLowerCase() as 'h' | 'd' | 'w'];
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00+08:00`) : /\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

export type TableClass = typeof CliTable3;

/** One row per article, then a count per outcome. */
export function renderRevisitTable(report: RevisitReport, Table: TableClass): string {
  const table = new Table({ head: ['source', 'id', 'result', 'title', 'detail'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, 30, 50] as unknown as number[] });
  for (const r of report.results) table.push([r.source, r.id, r.status === 'gone' ? '🗑 gone' : r.status, r.title, r.revision ? `${r.detail}; earlier text: ${r.revision}` : r.detail]);
  const counts = { unchanged: 0, changed: 0, gone: 0, failed: 0 };
  for (const r of report.results) counts[r.status]++;
  const summary = `${report.results.length} article(s): ${counts.unchanged} unchanged, ${counts.changed} changed, ${counts.gone} gone, ${counts.failed} failed. Archive: ${report.archive}`;
  return report.results.length ? `${table.toString()}\n${summary}` : summary;
}
