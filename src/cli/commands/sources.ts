/** `newsvault sources`: the built-in catalog and the configured sources; `sources import|export`: OPML. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { UsageError } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

export function registerSources(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const sources = program
    .command('sources')
    .description('list the built-in catalog and the configured sources; import or export them as OPML')
    .addOption(archiveOption())
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault sources                     # the sources of the archive found here',
          'newsvault sources --archive my-archive --json',
          'newsvault sources export > feeds.opml # OPML 2.0 for a feed reader',
          'newsvault sources import feeds.opml   # a feed reader\'s list into newsvault.yaml',
        ],
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
  registerSourcesImport(sources, ctx);
  registerSourcesExport(sources, ctx);
}

function registerSourcesImport(sources: Command, { io, logging }: CommandContext): void {
  sources
    .command('import')
    .description('add the feeds of an OPML file to newsvault.yaml (its comments kept; feeds already configured skipped)')
    .argument('<file>', 'an OPML file (a feed reader\'s export)')
    .addOption(archiveOption())
    .option('--dry-run', 'print what would be added, write nothing')
    .addHelpText(
      'after',
      commandHelp({
        examples: ['newsvault sources import feeds.opml', 'newsvault sources import feeds.opml --dry-run --archive my-archive'],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      // --archive before or after `import` (the parent command takes it too)
      const opts = cmd.optsWithGlobals<{ archive?: string; dryRun?: boolean }>();
      const root = await resolveArchive(opts);
      const [{ CONFIG_FILE_NAME, defaultConfigYaml, loadConfig, parseConfig, resolveSources }, { OpmlError, addSourcesToConfig, parseOpml }, { writeAtomic }] =
        await Promise.all([import('../../sources/index.ts'), import('../../exchange/index.ts'), import('../../util/index.ts')]);
      const text = await fs.readFile(path.resolve(file), 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`${file}: cannot be read (${err.code ?? String(err)})`);
      });
      const config = await loadConfig(root);
      const configured = resolveSources(config);
      let result;
      try {
        const feeds = parseOpml(text);
        const current = config.found ? await fs.readFile(config.file, 'utf8') : null;
        result = addSourcesToConfig(current, feeds, configured, defaultConfigYaml());
      } catch (err) {
        if (err instanceof OpmlError) throw new UsageError(`${file}: ${err.message}`);
        throw err;
      }
      // the new file must read back as a valid config before it replaces the old one
      parseConfig(result.text, config.file, root);
      for (const a of result.added) io.out(`${opts.dryRun ? 'would add' : 'added'}: ${a.slug}  ${a.name}  ${a.feed}`);
      for (const s of result.skipped) io.out(`skipped: ${s.feed} (${s.reason})`);
      if (result.added.length > 0 && !opts.dryRun) {
        await fs.mkdir(root, { recursive: true });
        await writeAtomic(config.file, result.text);
      }
      (await logging()).log.info(
        { added: result.added.length, skipped: result.skipped.length },
        `${result.added.length} source(s) ${opts.dryRun ? 'would be ' : ''}added to ${path.join(root, CONFIG_FILE_NAME)}, ${result.skipped.length} skipped`,
      );
    });
}

function registerSourcesExport(sources: Command, { io, logging }: CommandContext): void {
  sources
    .command('export')
    .description('print the configured sources as OPML 2.0 (enabled ones; --all for every source with a feed)')
    .addOption(archiveOption())
    .option('--all', 'disabled sources too')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addHelpText(
      'after',
      commandHelp({
        examples: ['newsvault sources export > feeds.opml', 'newsvault sources export --all -o feeds.opml'],
        archive: true,
        fetches: false,
      }),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ archive?: string; all?: boolean; output?: string }>();
      const root = await resolveArchive(opts);
      const [{ loadConfig, resolveSources }, { renderOpml }] = await Promise.all([import('../../sources/index.ts'), import('../../exchange/index.ts')]);
      const all = resolveSources(await loadConfig(root));
      const { text, skipped } = renderOpml(all.filter((s) => opts.all || s.enabled));
      const { log } = await logging();
      for (const s of skipped) log.warn({ source: s.slug }, `${s.feed} is a local file, not a URL; left out of the OPML`);
      if (opts.output) await fs.writeFile(path.resolve(opts.output), text);
      else io.out(text);
    });
}
