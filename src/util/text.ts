/** Plain text tidied into paragraphs: blank-line-separated paragraphs, each line's runs of spaces folded and
 *  trimmed, empty lines and paragraphs dropped. Shared by the extract stage and the search index, so both
 *  give the same text for the same HTML. */
export function tidyParagraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((para) =>
      para
        .split('\n')
        .map((line) => line.replace(/ {2,}/g, ' ').trim())
        .filter((line) => line !== '')
        .join('\n'),
    )
    .filter((para) => para !== '')
    .join('\n\n');
}
