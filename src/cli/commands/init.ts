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
    .description('create a new archive folder: newsvault.yaml, README.md, .gitignore (and a GitHub Actions workflow)')
    .argument('[dir]', 'folder to create (default: ./archive)')
    .addOption(new Option('--archive <dir>', 'the folder to create, as an option (default: ./archive)'))
    .option('--github-actions', 'also write .github/workflows/newsvault.yml: run hourly on GitHub Actions, commit and push (docs/deploy.md); in an existing archive, only that')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault init my-archive     # then edit my-archive/newsvault.yaml',
          'newsvault init                # ./archive',
          'newsvault init --github-actions   # and a workflow that archives hourly on GitHub Actions',
        ],
        archive: false,
        fetches: false,
      }) + '\n\n`init` creates the folder it is given; it does not read NEWSVAULT_ARCHIVE or look for an archive above.',
    )
    .action(async (dir: string | undefined, opts: { archive?: string; githubActions?: boolean }) => {
      if (dir && opts.archive && path.resolve(dir) !== path.resolve(opts.archive)) throw new UsageError('give the folder once: as an argument or with --archive');
      const root = path.resolve(dir ?? opts.archive ?? 'archive');
      const [{ defaultConfigYaml }, { WORKFLOW_PATH, githubWorkflow, mergeIgnore }] = await Promise.all([import('../../sources/index.ts'), import('../../git/index.ts')]);
      await fs.mkdir(root, { recursive: true });
      const configPath = path.join(root, 'newsvault.yaml');
      const workflowPath = path.join(root, WORKFLOW_PATH);
      if (opts.githubActions && existsSync(workflowPath)) throw new UsageError(`${workflowPath} already exists; nothing changed`);
      if (existsSync(configPath) && !opts.githubActions) throw new UsageError(`${configPath} already exists; nothing changed`);
      // --github-actions in an existing archive: only the workflow (and the .gitignore lines)
      const fresh = !existsSync(configPath);
      if (fresh) await fs.writeFile(configPath, defaultConfigYaml(), { flag: 'wx' });
      // the .gitignore lines merged into the file there, never overwriting it
      const ignorePath = path.join(root, '.gitignore');
      const ignore = await fs.readFile(ignorePath, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      const merged = mergeIgnore(ignore);
      if (merged !== ignore) await fs.writeFile(ignorePath, merged);
      if (opts.githubActions) {
        const pkg = JSON.parse(await fs.readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
        await fs.mkdir(path.dirname(workflowPath), { recursive: true });
        await fs.writeFile(workflowPath, githubWorkflow({ version: pkg.version }), { flag: 'wx' });
        io.out(`Wrote ${workflowPath}: commit it with the archive and push to GitHub; it runs hourly (docs/deploy.md).`);
        if (!fresh) return;
      }
      if (!existsSync(path.join(root, 'README.md'))) {
        await fs.writeFile(path.join(root, 'README.md'), '# 新闻存档 · News archive\n\nNo article yet: run `npx newsvault run` here.\n');
      }
      io.out(`Created ${root}: edit newsvault.yaml, then run \`newsvault run --archive ${path.relative(process.cwd(), root) || '.'}\`.`);
    });
}
