/** Plain text of extracted HTML: one paragraph per block, blank lines between them; ruby readings left out. */
import { parseDocument, ELEMENT_NODE, TEXT_NODE } from './dom.ts';
import { tidyParagraphs } from '../util/text.ts';

const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer', 'h1', 'h2',
  'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'ol', 'p', 'pre', 'section', 'table', 'tr', 'ul', 'caption',
  'details', 'summary',
]);

/** The text of `root`'s content. */
export function textOf(root: Node): string {
  const parts: string[] = [];
  // iterative depth-first walk with enter and leave (a block breaks the text on both sides)
  let node: Node | null = root.firstChild;
  while (node) {
    let descend = false;
    if (node.nodeType === TEXT_NODE) {
      parts.push((node.textContent ?? '').replace(/[\s\u00a0]+/g, ' '));
    } else if (node.nodeType === ELEMENT_NODE) {
      const name = (node as Element).localName;
      if (name === 'br') parts.push('\n');
      else if (name === 'td' || name === 'th') parts.push(' ');
      else if (BLOCKS.has(name)) parts.push('\n\n');
      // ruby readings (<rt>) and their fallback parentheses (<rp>) are pronunciation, not text
      descend = name !== 'script' && name !== 'style' && name !== 'template' && name !== 'rt' && name !== 'rp';
    }
    if (descend && node.firstChild) {
      node = node.firstChild;
      continue;
    }
    while (node && node !== root && !node.nextSibling) {
      node = node.parentNode;
      if (node && node !== root && node.nodeType === ELEMENT_NODE && BLOCKS.has((node as Element).localName)) parts.push('\n\n');
    }
    if (!node || node === root) break;
    if (node.nodeType === ELEMENT_NODE && BLOCKS.has((node as Element).localName)) parts.push('\n\n');
    node = node.nextSibling;
  }
  return tidyParagraphs(parts.join(''));
}

/** The text of an HTML fragment (feed content), tags and entities resolved. */
export function textOfHtml(html: string): string {
  if (!/[<&]/.test(html)) return html.replace(/\s+/g, ' ').trim();
  return textOf(parseDocument(html).body);
}
