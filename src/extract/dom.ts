/**
 * The DOM the extractor works on: linkedom (a fast, non-validating DOM) plus what it does not do.
 *
 * linkedom is not an HTML5 tree builder: a page without `<body>` tags, a fragment, or content after
 * `</html>` comes out with elements outside `<body>` (or as the document element). `parseDocument`
 * therefore checks the shape and, when it is off, re-serialises every top-level node into
 * `<html><head>…</head><body>…</body></html>` and parses that (only malformed pages pay twice).
 *
 * Everything here walks the tree iteratively: a hostile page nests 5,000 levels deep, and recursion
 * that deep overflows the stack (Readability's own recursion is why `limitDepth` exists).
 */
import { createRequire } from 'node:module';
import type * as Linkedom from 'linkedom';

const requireCjs = createRequire(import.meta.url);
let linkedom: typeof Linkedom | undefined;

/** linkedom and what it loads (about 25 MiB resident), loaded the first time a page is parsed (CommonJS, so
 *  synchronously), not when the stage is imported: a run whose feeds give the full text never needs it. */
function parseHTML(html: string): ReturnType<typeof Linkedom.parseHTML> {
  return (linkedom ??= requireCjs('linkedom') as typeof Linkedom).parseHTML(html);
}

/** Tags that belong in <head> when they come before any body content. */
const HEAD_TAGS = new Set(['title', 'meta', 'link', 'base', 'style', 'script', 'noscript', 'template']);

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;

export function parseDocument(html: string): Document {
  const source = html.replace(/^\uFEFF/, '');
  const { document } = parseHTML(source);
  if (isWellFormed(document)) return document;
  return parseHTML(recompose(document)).document;
}

/** `<html>` as the document element, holding one `<head>` and one `<body>` and nothing else that matters. */
function isWellFormed(doc: Document): boolean {
  const root = doc.documentElement;
  if (!root || root.localName !== 'html') return false;
  for (const node of Array.from(doc.childNodes)) {
    if (node === root) continue;
    if (node.nodeType === ELEMENT_NODE) return false;
    if (node.nodeType === TEXT_NODE && (node.textContent ?? '').trim() !== '') return false;
  }
  let heads = 0;
  let bodies = 0;
  for (const node of Array.from(root.childNodes)) {
    if (node.nodeType === ELEMENT_NODE) {
      const name = (node as Element).localName;
      if (name === 'head') heads++;
      else if (name === 'body') bodies++;
      else return false;
    } else if (node.nodeType === TEXT_NODE && (node.textContent ?? '').trim() !== '') {
      return false;
    }
  }
  return heads <= 1 && bodies === 1;
}

/** The markup of a canonical document holding every node of `doc`, in order. */
function recompose(doc: Document): string {
  const head: string[] = [];
  const body: string[] = [];
  let htmlAttrs = '';
  let bodyAttrs = '';
  let inBody = false;
  // explicit stack of node lists instead of recursion: html > body > … containers are flattened
  const stack: ChildNode[][] = [Array.from(doc.childNodes).reverse()];
  while (stack.length > 0) {
    const list = stack[stack.length - 1]!;
    const node = list.pop();
    if (node === undefined) {
      stack.pop();
      continue;
    }
    if (node.nodeType === TEXT_NODE) {
      const text = node.textContent ?? '';
      if (text.trim() === '') continue;
      inBody = true;
      body.push(escapeText(text));
      continue;
    }
    if (node.nodeType !== ELEMENT_NODE) continue;
    const el = node as Element;
    const name = el.localName;
    if (name === 'html') {
      if (htmlAttrs === '') htmlAttrs = attributesOf(el);
      stack.push(Array.from(el.childNodes).reverse());
    } else if (name === 'head') {
      stack.push(Array.from(el.childNodes).reverse());
    } else if (name === 'body') {
      if (bodyAttrs === '') bodyAttrs = attributesOf(el);
      inBody = true;
      stack.push(Array.from(el.childNodes).reverse());
    } else if (!inBody && HEAD_TAGS.has(name)) {
      head.push(el.outerHTML);
    } else {
      inBody = true;
      body.push(el.outerHTML);
    }
  }
  return `<!DOCTYPE html><html${htmlAttrs}><head>${head.join('')}</head><body${bodyAttrs}>${body.join('')}</body></html>`;
}

function attributesOf(el: Element): string {
  let out = '';
  for (const attr of Array.from(el.attributes)) {
    if (!/^[^\s"'<>/=]+$/.test(attr.name)) continue;
    out += ` ${attr.name}="${attr.value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
  }
  return out;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Elements nested deeper than `maxDepth` below `root` lose their markup: the element at the limit
 * keeps only its text. Browsers flatten too (Chrome at 512 levels); no real article nests anywhere
 * near this deep. Returns how many elements were flattened.
 */
export function limitDepth(root: Element, maxDepth: number): number {
  let flattened = 0;
  const stack: [Element, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [el, depth] = stack.pop()!;
    if (depth >= maxDepth) {
      if (el.firstElementChild) {
        el.textContent = el.textContent ?? '';
        flattened++;
      }
      continue;
    }
    for (let child = el.firstElementChild; child; child = child.nextElementSibling) stack.push([child, depth + 1]);
  }
  return flattened;
}

/** Calls `visit` for every node below `root` in document order (root excluded), without recursion.
 *  `visit` may return 'skip' to leave out the node's descendants. Do not remove nodes while walking. */
export function walk(root: Node, visit: (node: Node) => void | 'skip'): void {
  let node: Node | null = root.firstChild;
  while (node) {
    const result = visit(node);
    if (result !== 'skip' && node.firstChild) {
      node = node.firstChild;
      continue;
    }
    while (node && node !== root && !node.nextSibling) node = node.parentNode;
    if (!node || node === root) break;
    node = node.nextSibling;
  }
}

/** Every element below `root` (excluded), in document order. */
export function elementsOf(root: ParentNode): Element[] {
  return Array.from(root.querySelectorAll('*'));
}

/** Replaces `el` by its children. */
export function unwrap(el: Element): void {
  const parent = el.parentNode;
  if (!parent) return;
  while (el.firstChild) parent.insertBefore(el.firstChild, el);
  parent.removeChild(el);
}

/** querySelectorAll that never throws (a bad selector matches nothing). */
export function queryAll(root: ParentNode, selector: string): Element[] {
  try {
    return Array.from(root.querySelectorAll(selector));
  } catch {
    return [];
  }
}

export function queryOne(root: ParentNode, selector: string): Element | null {
  try {
    return root.querySelector(selector);
  } catch {
    return null;
  }
}

const IDENT = String.raw`-?[A-Za-z_][\w-]*`;
const ATTRIBUTE = String.raw`\[\s*${IDENT}\s*(?:[~|^$*]?=\s*(?:${IDENT}|"[^"\\\n]*"|'[^'\\\n]*')\s*)?\]`;
const SUBCLASS = String.raw`(?:\.${IDENT}|#${IDENT}|${ATTRIBUTE}|:(?:first|last|only)-(?:child|of-type))`;
const COMPOUND = String.raw`(?:(?:${IDENT}|\*)${SUBCLASS}*|${SUBCLASS}+)`;
const COMPLEX = String.raw`${COMPOUND}(?:\s*>\s*${COMPOUND}|\s+${COMPOUND})*`;
/** Selectors of the plainest kind (type, class, id and attribute selectors, first/last/only child or of type,
 *  descendant and child combinators, lists): every CSS engine runs these, the one this DOM uses too. */
const PLAIN_SELECTOR = new RegExp(String.raw`^\s*${COMPLEX}(?:\s*,\s*${COMPLEX})*\s*$`);

/** Whether `selector` is a CSS selector this DOM can run. A plain one is known to be without loading the DOM
 *  (the rules are read at the start of every run, most of which extract no page); any other is tried. */
export function isValidSelector(selector: string): boolean {
  if (PLAIN_SELECTOR.test(selector)) return true;
  try {
    probeDocument().querySelectorAll(selector);
    return true;
  } catch {
    return false;
  }
}

let probe: Document | undefined;
function probeDocument(): Document {
  probe ??= parseHTML('<!DOCTYPE html><html><head></head><body><p>x</p></body></html>').document;
  return probe;
}

/** Text with runs of whitespace folded to one space, trimmed. */
export function squash(text: string | null | undefined): string {
  return (text ?? '').replace(/[\s\u00a0\u3000]+/g, ' ').trim();
}

/** Whether `ancestor` contains `node` (or is it). */
export function contains(ancestor: Node, node: Node): boolean {
  for (let n: Node | null = node; n; n = n.parentNode) if (n === ancestor) return true;
  return false;
}
