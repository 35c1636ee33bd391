/** `newsvault extract URL_OR_FILE`: fetch one article page and show what would be archived. */
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { UsageError, type CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

export function registerExtract(program: Command, { io }: CommandContext): void {
  program
    .command('extract')
    .description('fetch one article page (URL or file) and show what would be archived')
    .argument('<urlOrFile>')
    .addOption(archiveOption())
    .option('--json', 'print {title, byline, published, lang, contentHtml, text, leadImage, rule} as JSON')
    .option('--url <url>', "for a saved page (FILE): the URL it came from, to choose its site rule and resolve its links (default: the page's canonical URL)")
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault extract https://www.rfi.fr/cn/…   # the archive\'s rules/ and fetch settings apply',
          'newsvault extract saved-page.html --json',
          'newsvault extract saved-page.html --url https://www.dw.com/zh/…/a-68000001',
        ],
        archive: true,
        fetches: true,
      }),
    )
    .action(async (location: string, opts: { archive?: string; json?: boolean; url?: string }) => {
      if (opts.url !== undefined && !/^https?:\/\/[^/\s]+/i.test(opts.url)) {
        throw new UsageError(`--url ${opts.url}: not an http(s) URL (give the address the saved page came from)`);
      }
      const root = await resolveArchive(opts);
      const [{ loadConfig }, { extractCommand }, { fetchOptionsFrom }] = await Promise.all([
        import('../../sources/index.ts'),
        import('../../extract/index.ts'),
        import('../fetch-options.ts'),
      ]);
      const config = await loadConfig(root);
      io.out(await extractCommand(location, { json: opts.json, archive: root, fetch: fetchOptionsFrom(config), ...(opts.url !== undefined ? { url: opts.url } : {}) }));
    });
}
