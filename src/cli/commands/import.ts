/** `newsvault import PATH`: an archive written by the original script (duty-machine/news) into this one. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { EXIT, UsageError, oneLine } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface ImportCliOptions {
  archive?: string;
  json?: boolean;
  report?: string;
  verbose?: boolean;
  progress?: boolean;
}

/** Refused files printed in the summary; the rest are in --report or --json. */
const SHOWN_REFUSED = 20;

export function registerImport(program: Command, { io, setExitCode, logging }: CommandContext): void {
  program
    .command('import')
    .description('import an archive written by the original script (articles/<folder>/<id>.md), byte for byte')
    .argument('<path>', 'a clone or copy of the original archive (the folder holding articles/)')
    .addOption(archiveOption())
    .option('--report <file>', 'write the whole report (every refused file with its reason) as JSON to this file')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'no progress (bars on a terminal, a record every 10 s elsewhere)')
    .option('-v, --verbose', 'log every warning and print every refused file')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'git clone --depth 1 https://github.com/duty-machine/news old-news',
          'newsvault import old-news --archive my-archive     # BBC/ and bbc/ become one source, bbc',
          'newsvault import old-news --report import.json     # every refused file and why',
        ],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (from: string, opts: ImportCliOptions) => {
      const root = await resolveArchive(opts);
      const [{ importArchive, ImportError }, { loadConfig, resolveSources }, { tableClass }] = await Promise.all([
        import('../../import/index.ts'),
        import('../../sources/index.ts'),
        import('../render.ts'),
      ]);
      const sources = resolveSources(await loadConfig(root));
      const { log, progress: progressOf } = await logging({ json: opts.json, verbose: opts.verbose });
      log.info({ from: path.resolve(from), archive: root }, `Importing ${path.resolve(from)} into ${root}`);
      const progress = progressOf('files', { enabled: opts.progress !== false, taskField: 'task' });
      const stop = (signal: NodeJS.Signals) => {
        progress.stop();
        log.warn({ signal }, `${signal}: stopping; what was imported is whole, and importing again finishes the job`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let report;
      let indexWarned = false;
      try {
        report = await importArchive({
          root,
          from,
          sources,
          onProgress: (done: number, total: number, label: string) => progress.update('import', done, total, label),
          // the search index, from each batch of committed events (under the import's lock); a failure is a
          // warning: the archive is the source of truth, and the index is rebuilt by the next search
          onEvents: async (events) => {
            const indexed = await import('../../index/index.ts').then(
              ({ updateIndex }) => updateIndex(root, events, { locked: true }),
              (err: unknown) => ({ warning: `the search index could not be loaded (${err instanceof Error ? err.message : String(err)})` }),
            );
            if (indexed.warning && !indexWarned) {
              indexWarned = true;
              log.warn({}, indexed.warning);
            }
          },
        });
      } catch (err) {
        if (err instanceof ImportError) throw new UsageError(err.message);
        throw err;
      } finally {
        progress.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      if (opts.report) await fs.writeFile(path.resolve(opts.report), `${JSON.stringify(report, null, 2)}\n`);
      setExitCode(report.refused.length > 0 ? EXIT.sourcesFailed : EXIT.ok);
      // refused files are errors, warnings warnings: on stderr, the first ones (all with -v; all in --report and --json)
      const shown = opts.verbose ? report.refused : report.refused.slice(0, SHOWN_REFUSED);
      for (const r of shown) log.error({ path: r.path }, `refused: ${r.path}: ${r.reason}`);
      if (shown.length < report.refused.length) {
        log.error(
          { more: report.refused.length - shown.length },
          `… and ${report.refused.length - shown.length} more refused file(s)${opts.report ? ` (all in ${opts.report})` : ' (--report FILE or -v lists them all)'}`,
        );
      }
      const warnings = opts.verbose ? report.warnings : report.warnings.slice(0, 10);
      for (const w of warnings) log.warn({}, oneLine(w, 200));
      if (warnings.length < report.warnings.length) log.warn({ more: report.warnings.length - warnings.length }, `… and ${report.warnings.length - warnings.length} more warning(s) (-v)`);
      if (opts.json) {
        io.out(JSON.stringify(report, null, 2));
        return;
      }
      const Table = tableClass();
      const table = new Table({
        head: ['source', 'folders', 'files', 'added', 'revisions', 'unchanged', 'refused'],
        style: { head: [], border: [] },
      });
      for (const s of report.sources) table.push([s.slug, s.folders.join(' '), s.files, s.imported, s.revised, s.unchanged, s.refused]);
      io.out(table.toString());
      const seconds = (report.durationMs / 1000).toFixed(1);
      io.out(
        `${report.files} file(s) in ${seconds} s: ${report.imported} added, ${report.revised} revision(s), ${report.unchanged} unchanged, ${report.refused.length} refused`,
      );
    });
}
