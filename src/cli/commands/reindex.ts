/** `newsvault reindex`: rebuild the search index from the archive's files (see docs/search.md). */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { UsageError } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

export function registerReindex(program: Command, { io, logging }: CommandContext): void {
  program
    .command('reindex')
    .description("rebuild the search index (.newsvault/index.sqlite) from the archive's files; the archive is not changed")
    .addOption(archiveOption())
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      commandHelp({
        examples: ['newsvault reindex                     # after a git pull, or to start afresh', 'newsvault reindex --archive my-archive --json'],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (opts: { archive?: string; json?: boolean }) => {
      const root = await resolveArchive(opts);
      if (!existsSync(root)) throw new UsageError(`no archive at ${root} (see --archive)`);
      const { reindex, indexFile } = await import('../../index/index.ts');
      const { log, progress: progressOf } = await logging({ json: opts.json });
      // the total is not known ahead: the count, the rate and the source being indexed
      const progress = progressOf('articles', { taskField: 'task' });
      const report = await reindex(root, { onProgress: (done, source) => progress.update('reindex', done, null, source) }).finally(() => progress.stop());
      for (const w of report.warnings) log.warn({}, w);
      if (opts.json) {
        io.out(JSON.stringify({ archive: root, index: indexFile(root), ...report }, null, 2));
        return;
      }
      const rate = report.ms > 0 ? Math.round((report.articles * 1000) / report.ms) : report.articles;
      io.out(`Indexed ${report.articles} article(s) of ${report.sources} source(s) in ${(report.ms / 1000).toFixed(1)} s (${rate}/s): ${indexFile(root)}`);
    });
}
