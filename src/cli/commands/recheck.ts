/** `newsvault recheck` (and, through `registerRevisit`, `reextract`): see docs/history.md. */
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { EXIT, UsageError, oneLine } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface CliOptions {
  archive?: string;
  source?: string[];
  since?: string;
  limit?: string;
  json?: boolean;
}

/** What differs between `recheck` and `reextract`: their name, text, default --since and stage entry. */
export interface RevisitCommand {
  name: 'recheck' | 'reextract';
  description: string;
  defaultSince: string | undefined;
  examples: string[];
}

export function registerRecheck(program: Command, ctx: CommandContext): void {
  registerRevisit(program, ctx, {
    name: 'recheck',
    description: "re-fetch recently archived articles' pages: unchanged, changed (a new revision), or gone (404/410, redirected home); never deletes",
    defaultSince: '7d',
    examples: ['newsvault recheck                       # articles first seen in the last 7 days', 'newsvault recheck --source bbc --since 30d --limit 200'],
  });
}

export function registerRevisit(program: Command, { io, setExitCode, logging }: CommandContext, spec: RevisitCommand): void {
  program
    .command(spec.name)
    .description(spec.description)
    .addOption(archiveOption())
    .option('--source <slug...>', 'only these sources')
    .option('--since <when>', 'only articles first seen since: 7d, 12h, 2w, YYYY-MM-DD (UTC+8) or an ISO 8601 time', spec.defaultSince)
    .option('--limit <n>', 'at most this many articles, newest first')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', commandHelp({ examples: spec.examples, archive: true, fetches: true }))
    .action(async (opts: CliOptions) => {
      const root = await resolveArchive(opts);
      const now = Date.now();
      let since: number | undefined;
      if (opts.since !== undefined) {
        const parsed = (await import('../../history/report.ts')).parseSinceArg(opts.since, now);
        if (parsed === null) throw new UsageError(`--since ${opts.since}: not a duration (7d, 12h, 2w), a date (YYYY-MM-DD) or an ISO 8601 time`);
        since = parsed;
      }
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit must be a whole number ≥ 1');
      const [{ loadConfig, resolveSources }, { loadArchiveRules }, { recheckArchive, reextractArchive, renderRevisitTable }, { fetchOptionsFrom }, { tableClass }] = await Promise.all([
        import('../../sources/index.ts'),
        import('../../extract/index.ts'),
        import('../../history/index.ts'),
        import('../fetch-options.ts'),
        import('../render.ts'),
      ]);
      const config = await loadConfig(root);
      const { rules, warnings } = await loadArchiveRules(root);
      const { log } = await logging({ json: opts.json });
      for (const w of warnings) log.warn({}, w);
      const report = await (spec.name === 'recheck' ? recheckArchive : reextractArchive)({
        root,
        ...(opts.source ? { sources: opts.source } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(limit !== undefined ? { limit } : {}),
        rules,
        known: resolveSources(config),
        concurrency: config.run.concurrency,
        fetch: fetchOptionsFrom(config),
        onResult: (r) => log[r.status === 'failed' ? 'error' : 'info']({ source: r.source, id: r.id, status: r.status, url: r.finalUrl ?? r.link }, `${r.id}: ${r.status} — ${oneLine(r.detail, 80)}`),
      });
      // the search index, from the command's events; the archive is the source of truth, so a failure is a warning
      const indexed = await import('../../index/index.ts').then(
        ({ updateIndex }) => updateIndex(root, report.events),
        (err: unknown) => ({ warning: `the search index could not be loaded (${err instanceof Error ? err.message : String(err)})` }),
      );
      if (indexed.warning) log.warn({}, indexed.warning);
      io.out(opts.json ? JSON.stringify(report, null, 2) : renderRevisitTable(report, tableClass()));
      setExitCode(report.ok ? EXIT.ok : EXIT.sourcesFailed);
    });
}
