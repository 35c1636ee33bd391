/** Plain text → HTML, for bodies a feed declares to be text (JSON Feed content_text, Atom type="text"). */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Paragraphs (split at blank lines) of escaped text, single line breaks kept as <br>, so that the archive always holds HTML. */
export function textToHtml(s: string): string {
  return s
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}
