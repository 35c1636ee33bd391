/**
 * How deep a feed may nest. Real feeds are shallow: the deepest in the development corpus nests 10
 * elements (a whole news page carried as Atom XHTML content would reach about 70). A hostile one is not:
 * feedparser (the XML parser until issue 9) kept the open elements in an array it unshifted and shifted, so
 * 100 000 nested elements took 13 s of CPU; the element tree (xml/tree.ts) and everything that walks it
 * (text, serialisation) recurse once per level. Past this depth a feed is refused, as soon as the parser
 * reaches it, so the cost stays linear and small and no walk can exhaust the stack.
 */
export const MAX_NESTING_DEPTH = 512;

/** A feed that nests deeper than MAX_NESTING_DEPTH; its message is the one line the user sees. */
export class NestingTooDeepError extends Error {
  constructor(what: 'elements' | 'arrays and objects', line: number) {
    super(`the feed nests ${what} deeper than ${MAX_NESTING_DEPTH} levels (at line ${line})`);
  }
}

/**
 * Throws NestingTooDeepError when a JSON text nests arrays and objects deeper than MAX_NESTING_DEPTH.
 * One pass over the characters, before JSON.parse builds anything; brackets inside strings do not count.
 * Malformed JSON is left to JSON.parse to report.
 */
export function checkJsonDepth(text: string): void {
  let depth = 0;
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_NESTING_DEPTH) throw new NestingTooDeepError('arrays and objects', line);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
}
