/** `newsvault history ID_OR_PATH_OR_URL`: every version of an article, with dates and (--diff) what changed. */
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { EXIT, stdio } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface HistoryCliOptions {
  archive?: string;
  diff?: boolean;
  json?: boolean;
}

export function registerHistory(program: Command, { io, setExitCode, logging }: CommandContext): void {
  program
    .command('history')
    .description('every version of an article (by id, path or URL) with its date; --diff shows what changed')
    .argument('<idOrPathOrUrl>', "the article's id, its path in the archive (or a revision's), or its URL")
    .addOption(archiveOption())
    .option('--diff', 'show the text changes between consecutive versions (by character for Chinese)')
    .option('--json', 'print as JSON: the versions with their plain text, and the diffs')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault history k3j5m2q7xa --diff',
          'newsvault history articles/rfi/2023/09-14/1927_普京与金正恩互赠步枪_k3j5m2q7xa.md',
          'newsvault history "https://www.rfi.fr/cn/…" --json',
        ],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (query: string, opts: HistoryCliOptions) => {
      const root = await resolveArchive(opts);
      const [{ openStorage }, { historyJson, loadHistory, locate, renderHistory }] = await Promise.all([
        import('../../storage/index.ts'),
        import('../../history/index.ts'),
      ]);
      const { archive } = openStorage(root);
      const found = await locate(archive, query);
      if (found.length === 0) {
        const { log } = await logging();
        log.error({ code: EXIT.usage }, `no article ${JSON.stringify(query)} in ${root} (an id, a path under articles/ or revisions/, or a URL)`);
        setExitCode(EXIT.usage);
        return;
      }
      const histories = await Promise.all(found.map((f) => loadHistory(archive, f)));
      if (opts.json) {
        const json = histories.map(historyJson);
        io.out(JSON.stringify(json.length === 1 ? json[0] : json, null, 2));
        return;
      }
      const color = io === stdio && process.stdout.isTTY && !process.env.NO_COLOR;
      io.out(histories.map((h) => renderHistory(h, { diff: opts.diff ?? false, color })).join('\n\n'));
    });
}
