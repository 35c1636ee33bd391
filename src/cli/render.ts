/** The run's table. cli-table3 is loaded on first use, so that `--help` does not load it. */
import { createRequire } from 'node:module';
import type CliTable3 from 'cli-table3';
import type { HealthState, StatusSource } from '../health/index.ts';
import { statusTable } from '../health/index.ts';
import type { RunReport } from '../run/index.ts';
import { oneLine } from './context.ts';

const requireCjs = createRequire(import.meta.url);

/** cli-table3's constructor, loaded when a table is first drawn. */
export function tableClass(): typeof CliTable3 {
  return requireCjs('cli-table3') as typeof CliTable3;
}

export function renderRunTable(report: RunReport): string {
  const Table = tableClass();
  const table = new Table({
    head: ['source', 'status', 'seen', 'new', 'changed', 'failed', 'error'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, 60] as unknown as number[],
  });
  for (const r of report.sources) {
    table.push([r.slug, r.status, r.seen, r.new, r.changed, r.failed, r.errors.map((e) => oneLine(e, 200)).join('\n')]);
  }
  const failed = report.sources.filter((r) => r.status !== 'ok').length;
  const warnings = report.sources.reduce((n, r) => n + r.warnings.length, 0);
  return `${table.toString()}\n${report.sources.length} source(s), ${failed} with errors, ${warnings} warning(s), ${(report.durationMs / 1000).toFixed(1)}s. Archive: ${report.archive}`;
}

/** The table `newsvault status` prints, and a summary line under it. Plain text, no colours. */
export function renderStatusTable(state: HealthState, sources: readonly StatusSource[], now: number): string {
  const { head, rows, summary } = statusTable(state, sources, now);
  const Table = tableClass();
  const table = new Table({
    head,
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, 50, null] as unknown as number[],
  });
  for (const row of rows) table.push(row);
  return `${table.toString()}\n${summary}`;
}
