/** `newsvault search`: full-text search of the archive (see docs/search.md). */
import { existsSync } from 'node:fs';
import { styleText } from 'node:util';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { UsageError, stdio } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface SearchCliOptions {
  archive?: string;
  source?: string[];
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
}

const DAY = 86_400_000;

/** --until: a date (UTC+8) includes that whole day; a duration (7d) or an ISO time is the moment itself. */
function parseUntil(value: string, now: number, parseSince: (v: string, now: number) => number | null): number | null {
  const t = parseSince(value, now);
  if (t === null) return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? t + DAY : t + 1;
}

export function registerSearch(program: Command, { io, logging }: CommandContext): void {
  program
    .command('search')
    .description('search the archived articles: Chinese (simplified or traditional, any length) and Latin text, ranked by relevance')
    .argument('<query...>', 'words (all must match), "a phrase" in quotes; 习近平 also finds 習近平')
    .addOption(archiveOption())
    .option('--source <slug...>', 'only these sources')
    .option('--since <when>', 'published since: 7d, 12h, 2w, YYYY-MM-DD (UTC+8) or an ISO 8601 time')
    .option('--until <when>', 'published until: YYYY-MM-DD (UTC+8, that day included) or an ISO 8601 time')
    .option('--limit <n>', 'at most this many results', '20')
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault search 普京                      # one word; 1- and 2-character words match too',
          'newsvault search 普京 步枪                 # every word must match',
          `newsvault search '"太空计划"'               # a phrase, in quotes`,
          'newsvault search 習近平                    # traditional and simplified are one',
          'newsvault search G20峰会 --source rfi bbc --since 2023-09-01 --until 2023-09-30',
          'newsvault search iPhone 禁令 --limit 5 --json',
        ],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (words: string[], opts: SearchCliOptions) => {
      const root = await resolveArchive(opts);
      const now = Date.now();
      const [{ parseSinceArg }, index] = await Promise.all([import('../../history/report.ts'), import('../../index/index.ts')]);
      const query = words.join(' ');
      try {
        index.parseQuery(query);
      } catch (err) {
        if (err instanceof index.QueryError) throw new UsageError(`search: ${err.message}`);
        throw err;
      }
      let since: number | undefined;
      if (opts.since !== undefined) {
        const t = parseSinceArg(opts.since, now);
        if (t === null) throw new UsageError(`--since ${opts.since}: not a duration (7d, 12h, 2w), a date (YYYY-MM-DD) or an ISO 8601 time`);
        since = t;
      }
      let until: number | undefined;
      if (opts.until !== undefined) {
        const t = parseUntil(opts.until, now, parseSinceArg);
        if (t === null) throw new UsageError(`--until ${opts.until}: not a date (YYYY-MM-DD), a duration (7d) or an ISO 8601 time`);
        until = t;
      }
      const limit = Number(opts.limit ?? '20');
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
      if (!existsSync(root)) throw new UsageError(`no archive at ${root} (see --archive)`);

      let idx = index.openIndex(root, { readonly: true });
      if (!idx) {
        const { log } = await logging({ json: opts.json });
        log.info({ archive: root }, `building the search index of ${root} (once; later runs keep it up to date)…`);
        const built = await index.reindex(root);
        for (const w of built.warnings) log.warn({}, w);
        idx = index.openIndex(root, { readonly: true });
        if (!idx) throw new Error(`the search index of ${root} could not be opened after it was built`);
      }
      try {
        const result = index.search(idx, query, {
          ...(opts.source?.length ? { sources: opts.source } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          limit,
        });
        if (opts.json) {
          io.out(
            JSON.stringify(
              {
                query,
                total: result.total,
                hits: result.hits.map((h) => ({
                  source: h.source,
                  id: h.id,
                  path: h.path,
                  title: h.title,
                  link: h.link,
                  published: new Date(h.published).toISOString(),
                  firstSeen: new Date(h.firstSeen).toISOString(),
                  textSource: h.textSource,
                  revisions: h.revisions,
                  gone: h.gone === null ? null : new Date(h.gone).toISOString(),
                  score: h.score,
                  snippet: h.snippet.text,
                  highlights: h.snippet.highlights,
                })),
              },
              null,
              2,
            ),
          );
          return;
        }
        const color = io === stdio && process.stdout.isTTY && !process.env.NO_COLOR;
        const { renderSearchHits } = await import('../../index/render.ts');
        io.out(renderSearchHits(result, query, { color: Boolean(color), mark: (t) => styleText(['bold', 'yellow'], t) }));
      } finally {
        idx.close();
      }
    });
}
