/** `newsvault status`: each source's health. */
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

export function registerStatus(program: Command, { io, logging }: CommandContext): void {
  program
    .command('status')
    .description("each source's health: last success, last attempt, failures, last error, backoff")
    .addOption(archiveOption())
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      commandHelp({
        examples: ['newsvault status                      # in the archive or any folder below it', 'newsvault status --archive my-archive --json'],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (opts: { archive?: string; json?: boolean }) => {
      const root = await resolveArchive(opts);
      const [{ loadConfig, resolveSources }, { statusJson }, { openStorage }, { renderStatusTable }] = await Promise.all([
        import('../../sources/index.ts'),
        import('../../health/index.ts'),
        import('../../storage/index.ts'),
        import('../render.ts'),
      ]);
      const sources = resolveSources(await loadConfig(root));
      const { value: state, warning } = await openStorage(root).state.loadHealth();
      if (warning) (await logging({ json: opts.json })).log.warn({}, warning);
      const now = Date.now();
      io.out(opts.json ? JSON.stringify(statusJson(state, sources, now), null, 2) : renderStatusTable(state, sources, now));
    });
}
