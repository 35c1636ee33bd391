/** The search results as text for a terminal: title, source, date (UTC+8), path, snippet. */
import { utc8Parts } from '../archive/layout.ts';
import type { SearchResult } from './search.ts';
import { markSnippet } from './snippet.ts';

export interface RenderSearchOptions {
  /** Highlight with `mark` (terminal colours); else matches are put in [brackets]. */
  color?: boolean;
  mark?: (text: string) => string;
}

function date(ms: number): string {
  const p = utc8Parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function renderSearchHits(result: SearchResult, query: string, opts: RenderSearchOptions = {}): string {
  if (result.hits.length === 0) return `No article matches ${JSON.stringify(query)}.`;
  const mark = opts.color && opts.mark ? opts.mark : (t: string) => `[${t}]`;
  const lines: string[] = [];
  result.hits.forEach((h, i) => {
    lines.push(`${i + 1}. ${h.title}`);
    const flags = [h.revisions ? `${h.revisions} earlier version(s)` : '', h.gone !== null ? `🗑 removed at source, noticed ${date(h.gone).slice(0, 10)}` : ''].filter(Boolean);
    lines.push(`   ${h.source} · ${date(h.published)} · ${h.path}${flags.length ? ` · ${flags.join(' · ')}` : ''}`);
    if (h.snippet.text) lines.push(`   ${markSnippet(h.snippet, mark)}`);
    lines.push('');
  });
  const shown = result.hits.length < result.total ? `${result.hits.length} of ${result.total}` : `${result.total}`;
  lines.push(`${shown} article(s) match ${JSON.stringify(query)}.`);
  return lines.join('\n');
}
