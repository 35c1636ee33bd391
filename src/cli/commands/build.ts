/** `newsvault build`: the static reader site of the archive (see docs/reader.md). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { UsageError } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

export function registerBuild(program: Command, { io, logging }: CommandContext): void {
  program
    .command('build')
    .description('build the static reader site (pages, feeds, client-side search) from the archive; the archive is not changed')
    .addOption(archiveOption())
    .option('--out <dir>', 'the site folder (default: site/ in the archive folder)')
    .option('--base-url <url>', "the site's public address, e.g. https://user.github.io/news/: feeds link to its pages")
    .option('--full', 'ignore the catalog of the last build: render every page again (only pages whose bytes changed are written)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault build                                   # site/ in the archive; only changed pages are rewritten',
          'newsvault build --out docs --base-url https://user.github.io/news/   # for GitHub Pages',
          'newsvault build --full --json',
        ],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (opts: { archive?: string; out?: string; baseUrl?: string; full?: boolean; json?: boolean }) => {
      const root = await resolveArchive(opts);
      if (!existsSync(path.join(root, 'articles'))) throw new UsageError(`no archive at ${root} (no articles/ folder; see --archive)`);
      if (opts.baseUrl !== undefined && !/^https?:\/\/[^/]/i.test(opts.baseUrl)) throw new UsageError(`--base-url must be an http(s) URL, not ${JSON.stringify(opts.baseUrl)}`);
      const out = opts.out ? path.resolve(opts.out) : path.join(root, 'site');
      // the thin module: the page rendering's modules load on the build's own thread only (src/site/build.ts)
      const { buildSite, BuildRefusal } = await import('../../site/build.ts');
      const { log, progress: progressOf } = await logging({ json: opts.json });
      const progress = progressOf('articles', { taskField: 'task' });
      const report = await buildSite(root, {
        out,
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        ...(opts.full ? { full: true } : {}),
        onProgress: (done, total) => progress.update('build', done, total),
      })
        .catch((err: unknown) => {
          throw err instanceof BuildRefusal ? new UsageError(err.message) : err;
        })
        .finally(() => progress.stop());
      for (const w of report.warnings) log.warn({}, w);
      if (opts.json) {
        io.out(JSON.stringify({ archive: root, ...report }, null, 2));
        return;
      }
      const { written, unchanged, removed } = report.pages;
      io.out(
        `Built ${out}: ${written} page(s) written, ${unchanged} unchanged${removed ? `, ${removed} removed` : ''} (${report.articles.rendered} article(s) rendered) in ${(report.ms / 1000).toFixed(1)} s`,
      );
    });
}
