/** `newsvault reextract`: see docs/history.md. The command's body is recheck's (`registerRevisit`). */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { registerRevisit } from './recheck.ts';

export function registerReextract(program: Command, ctx: CommandContext): void {
  registerRevisit(program, ctx, {
    name: 'reextract',
    description: 're-apply the current site rules to archived pages (fetched again): a changed text becomes a revision naming the rule',
    defaultSince: undefined,
    examples: ['newsvault reextract --source rfi        # after editing rules/rfi.fr.txt', 'newsvault reextract --since 2024-05-01 --json'],
  });
}
