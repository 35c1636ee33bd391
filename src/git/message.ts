/**
 * The commit message of a run, from its change events: one subject line that says what changed,
 * `archive: 12 new, 1 changed, 1 gone (rfi 5, bbc 7, dw 1)`, then one line per article (at most
 * MAX_BODY_LINES).
 */
import type { ChangeEvent } from '../archive/index.ts';
import { countEvents, isChange } from '../archive/index.ts';

/** Articles named in a message's body; the rest are counted. */
export const MAX_BODY_LINES = 100;

export interface CommitMessage {
  subject: string;
  /** One line per changed article, or empty. */
  body: string;
}

/**
 * The message for `events`. `order` lists source slugs in the order the run had them (the config's); a
 * source not in it comes after, alphabetically. Sources are named with their count of changed articles
 * (new, changed and gone). `extra` is what the commit holds beyond the events (files a run stopped before
 * its commit left behind): said in the body, and in the subject when there is no event.
 */
export function commitMessage(events: readonly ChangeEvent[], opts: { order?: readonly string[]; extra?: number } = {}): CommitMessage {
  const changes = events.filter(isChange);
  const counts = countEvents(changes);
  const parts: string[] = [];
  if (counts.added) parts.push(`${counts.added} new`);
  if (counts.revised) parts.push(`${counts.revised} changed`);
  if (counts.gone) parts.push(`${counts.gone} gone`);
  const extra = opts.extra ?? 0;
  const lines: string[] = [];
  if (parts.length === 0) {
    const subject = extra > 0 ? `archive: ${plural(extra, 'file')} left by an earlier run` : 'archive: lists and README updated';
    return { subject, body: '' };
  }
  const perSource = new Map<string, number>();
  for (const e of changes) perSource.set(e.source, (perSource.get(e.source) ?? 0) + 1);
  const rank = (slug: string) => {
    const i = opts.order?.indexOf(slug) ?? -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const slugs = [...perSource.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const subject = `archive: ${parts.join(', ')} (${slugs.map((s) => `${s} ${perSource.get(s)}`).join(', ')})`;
  for (const e of changes.slice(0, MAX_BODY_LINES)) lines.push(`${SIGN[e.type]} ${e.source}: ${titleOf(e)}`);
  if (changes.length > MAX_BODY_LINES) lines.push(`… and ${changes.length - MAX_BODY_LINES} more`);
  if (extra > 0) lines.push('', `Also ${plural(extra, 'file')} left by an earlier run that stopped before committing.`);
  return { subject, body: lines.join('\n') };
}

const SIGN = { added: '+', revised: '~', gone: '-' } as const;

/** An article's title on one line (or its path when the event carries no record). */
function titleOf(e: Extract<ChangeEvent, { type: 'added' | 'revised' | 'gone' }>): string {
  const title = 'record' in e && e.record ? e.record.title : e.type === 'gone' ? e.path : '';
  const flat = title.replace(/\s+/g, ' ').trim() || ('record' in e && e.record ? e.record.path : '');
  return flat.length > 72 ? `${flat.slice(0, 71)}…` : flat;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
