/**
 * Readable differences between two versions' plain text, with jsdiff: character-level for Chinese (a
 * Chinese text has no spaces to split words at), word-level for text without CJK characters. Rendered per
 * paragraph: unchanged paragraphs are counted, changed ones shown with their changes marked inline —
 * `[-removed-]{+added+}` (git's word-diff style) or, on a terminal, red and green.
 */
import { diffArrays, diffChars, diffWordsWithSpace, type ChangeObject } from 'diff';
import { styleText } from 'node:util';

export interface TextChange {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

/** Beyond this many edits a paragraph is shown as removed and added whole (jsdiff gives up, quickly). */
const MAX_EDIT_LENGTH = 10_000;
const CJK = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;

function toChanges(parts: ChangeObject<string>[]): TextChange[] {
  return parts.map((p) => ({ op: p.added ? 'insert' : p.removed ? 'delete' : 'equal', text: p.value }));
}

/** The changes that turn `a` into `b`: by character when either holds CJK text, else by word. */
export function diffText(a: string, b: string): TextChange[] {
  if (a === b) return a === '' ? [] : [{ op: 'equal', text: a }];
  const parts = CJK.test(a) || CJK.test(b) ? diffChars(a, b, { maxEditLength: MAX_EDIT_LENGTH }) : diffWordsWithSpace(a, b, { maxEditLength: MAX_EDIT_LENGTH });
  if (!parts) return [...(a ? [{ op: 'delete' as const, text: a }] : []), ...(b ? [{ op: 'insert' as const, text: b }] : [])];
  return toChanges(parts);
}

export function paragraphs(text: string): string[] {
  return text.split(/\n{2,}/).map((p) => p.trim()).filter((p) => p !== '');
}

/** One block of the rendered diff: paragraphs left as they were, or one paragraph changed, removed or added. */
export type Block =
  | { kind: 'same'; count: number }
  | { kind: 'changed'; changes: TextChange[] }
  | { kind: 'removed'; text: string }
  | { kind: 'added'; text: string };

/** Paragraph by paragraph: the paragraphs that differ, each paired with its counterpart when it has one. */
export function diffParagraphs(a: string, b: string): Block[] {
  const blocks: Block[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    const pairs = Math.min(removed.length, added.length);
    for (let i = 0; i < pairs; i++) blocks.push({ kind: 'changed', changes: diffText(removed[i]!, added[i]!) });
    for (const text of removed.slice(pairs)) blocks.push({ kind: 'removed', text });
    for (const text of added.slice(pairs)) blocks.push({ kind: 'added', text });
    removed = [];
    added = [];
  };
  for (const part of diffArrays(paragraphs(a), paragraphs(b))) {
    if (part.removed) removed.push(...part.value);
    else if (part.added) added.push(...part.value);
    else {
      flush();
      blocks.push({ kind: 'same', count: part.value.length });
    }
  }
  flush();
  return blocks;
}

export interface RenderOptions {
  /** Colours (a terminal): deletions red and struck through, insertions green. Else `[-…-]` and `{+…+}`. */
  color?: boolean;
}

function mark(op: TextChange['op'], text: string, color: boolean): string {
  if (op === 'equal') return text;
  if (color) return op === 'delete' ? styleText(['red', 'strikethrough'], text) : styleText('green', text);
  return op === 'delete' ? `[-${text}-]` : `{+${text}+}`;
}

/** One line of changes, inline marks. */
export function renderChanges(changes: readonly TextChange[], opts: RenderOptions = {}): string {
  return changes.map((c) => mark(c.op, c.text, opts.color ?? false)).join('');
}

/** The text diff as lines: `~` a changed paragraph, `-` removed, `+` added, `⋯` unchanged ones counted. */
export function renderTextDiff(a: string, b: string, opts: RenderOptions = {}): string[] {
  const color = opts.color ?? false;
  const lines: string[] = [];
  for (const block of diffParagraphs(a, b)) {
    if (block.kind === 'same') lines.push(`  ⋯ ${block.count} paragraph(s) unchanged`);
    else if (block.kind === 'changed') lines.push(`~ ${renderChanges(block.changes, opts)}`);
    else if (block.kind === 'removed') lines.push(`- ${mark('delete', block.text, color)}`);
    else lines.push(`+ ${mark('insert', block.text, color)}`);
  }
  return lines;
}
