/** `newsvault init [dir]`: create a new archive folder. It takes the folder it is given, never a found one. */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../context.ts';
import { commandHelp } from '../help.ts';

export function registerInit(program: Command, { io }: CommandContext): void {
  program
    .command('init')
    .description('create a new archive folder: newsvault.yaml, README.md, .gitignore')
    .argument('[dir]', 'folder to create (default: ./archive)')
    .addOption(new Option('--archive <dir>', 'the folder to create, as an option (default: ./archive)'))
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault init my-archive     # then edit my-archive/newsvault.yaml',
          'newsvault init                # ./archive',
        ],
        archive: false,
        fetches: false,
      }) + '\n\n`init` creates the folder it is given; it does not read NEWSVAULT_ARCHIVE or look for an archive above.',
    )
    .action(async (dir: string | undefined, opts: { archive?: string }) => {
      if (dir && opts.archive && path.resolve(dir) !== path.resolve(opts.archive)) throw new UsageError('give the folder once: as an argument or with --archive');
      const root = path.resolve(dir ?? opts.archive ?? 'archive');
      const [{ defaultConfigYaml }, { STATE_DIR }] = await Promise.all([import('../../sources/index.ts'), import('../../storage/index.ts')]);
      await fs.mkdir(root, { recursive: true });
      const configPath = path.join(root, 'newsvault.yaml');
      if (existsSync(configPath)) throw new UsageError(`${configPath} already exists; nothing changed`);
      await fs.writeFile(configPath, defaultConfigYaml(), { flag: 'wx' });
      await fs.writeFile(path.join(root, '.gitignore'), `# local state of a running newsvault, never committed\n${STATE_DIR}/\n`, { flag: 'w' });
      if (!existsSync(path.join(root, 'README.md'))) {
        await fs.writeFile(path.join(root, 'README.md'), '# 新闻存档 · News archive\n\nNo article yet: run `npx newsvault run` here.\n');
      }
      io.out(`Created ${root}: edit newsvault.yaml, then run \`newsvault run --archive ${path.relative(process.cwd(), root) || '.'}\`.`);
    });
}
