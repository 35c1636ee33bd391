/** `newsvault sources`: the built-in catalog and the configured sources. */
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

export function registerSources(program: Command, { io }: CommandContext): void {
  program
    .command('sources')
    .description('list the built-in catalog and the configured sources')
    .addOption(archiveOption())
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      commandHelp({
        examples: ['newsvault sources                     # the sources of the archive found here', 'newsvault sources --archive my-archive --json'],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (opts: { archive?: string; json?: boolean }) => {
      const root = await resolveArchive(opts);
      const [{ CATALOG, loadConfig, resolveSources }, { tableClass }] = await Promise.all([import('../../sources/index.ts'), import('../render.ts')]);
      const sources = resolveSources(await loadConfig(root));
      if (opts.json) {
        io.out(JSON.stringify({ catalog: CATALOG, configured: sources }, null, 2));
        return;
      }
      const Table = tableClass();
      const table = new Table({ head: ['slug', 'name', 'enabled', 'feeds / note'], style: { head: [], border: [] } });
      for (const s of sources) table.push([s.slug, s.name, s.enabled ? 'yes' : 'no', [...s.feeds, ...(s.note ? [s.note] : [])].join('\n')]);
      io.out(table.toString());
    });
}
