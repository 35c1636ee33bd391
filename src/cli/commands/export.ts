/** `newsvault export --format jsonl`: every article, one JSON object per line, streamed to standard output. */
import { once } from 'node:events';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { UsageError, stdio } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface ExportCliOptions {
  archive?: string;
  format: string;
  source?: string[];
  since?: string;
}

/** Writes to standard output, waiting when its buffer is full, so memory stays bounded whatever reads it. */
async function writeStdout(line: string): Promise<void> {
  if (!process.stdout.write(line)) await once(process.stdout, 'drain');
}

export function registerExport(program: Command, { io, logging }: CommandContext): void {
  program
    .command('export')
    .description('stream the archive\'s articles as JSON Lines: metadata, HTML, plain text and revisions (docs/export.md)')
    .addOption(archiveOption())
    .option('--format <format>', 'the output format (jsonl)', 'jsonl')
    .option('--source <slug...>', 'only these sources')
    .option('--since <date>', 'only articles published since this date (YYYY-MM-DD in UTC+8, or an ISO 8601 time)')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault export --format jsonl > archive.jsonl',
          'newsvault export --source bbc rfi --since 2024-01-01 | gzip > recent.jsonl.gz',
        ],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (opts: ExportCliOptions) => {
      if (opts.format !== 'jsonl') throw new UsageError(`--format ${opts.format}: only jsonl is supported`);
      const root = await resolveArchive(opts);
      const [{ exportJsonl, parseSince }, { loadConfig, resolveSources, CATALOG }] = await Promise.all([
        import('../../exchange/index.ts'),
        import('../../sources/index.ts'),
      ]);
      let since: number | undefined;
      if (opts.since !== undefined) {
        const parsed = parseSince(opts.since);
        if (parsed === null) throw new UsageError(`--since ${opts.since}: not a date (YYYY-MM-DD) or an ISO 8601 time`);
        since = parsed;
      }
      const names = new Map<string, string>(CATALOG.map((s) => [s.slug, s.name]));
      for (const s of resolveSources(await loadConfig(root))) names.set(s.slug, s.name);
      const { log } = await logging();
      const summary = await exportJsonl({
        root,
        ...(opts.source ? { sources: opts.source } : {}),
        ...(since !== undefined ? { since } : {}),
        names,
        // on the real standard output, with backpressure; else (tests) through io
        write: io === stdio ? writeStdout : (line) => io.out(line),
        onWarning: (w) => log.warn({}, w),
      });
      const unknown = (opts.source ?? []).filter((s) => !summary.sources.includes(s));
      if (unknown.length) log.warn({ sources: unknown }, `no articles for ${unknown.join(', ')}`);
      log.info({ articles: summary.articles, sources: summary.sources.length }, `${summary.articles} article(s) exported from ${summary.sources.length} source(s)`);
    });
}

