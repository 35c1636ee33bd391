/**
 * Turns a fetched body into text: finds the charset, decodes with iconv-lite, and explains any guess.
 *
 * Precedence (first that applies):
 *   1. A byte order mark (UTF-8, UTF-16LE, UTF-16BE, UTF-32LE, UTF-32BE). Always wins, as in browsers; a contradicting
 *      HTTP charset only earns a warning.
 *   2. Declarations, in this order: the HTTP Content-Type `charset`; then, for XML, the UTF-16
 *      byte pattern `<\0?\0` / `\0<\0?` (UTF-32: `<\0\0\0` / `\0\0\0<`) or the `<?xml … encoding="…"?>` declaration; for HTML the
 *      first `<meta charset>` / `<meta http-equiv … content="…charset=…">` in the first 2 KB.
 *      The first declaration that decodes the bytes *cleanly* is used (clean = no invalid sequences,
 *      no NUL characters; for UTF-16 also zero bytes where ASCII markup puts them).
 *   3. Detection, when no declaration decodes cleanly: valid UTF-8 is taken as UTF-8, and so is
 *      nearly valid UTF-8 (≤ 1 broken per 20 non-ASCII characters, replaced, with a warning);
 *      otherwise the first chardet candidate (confidence ≥ 10) that decodes cleanly.
 *   4. UTF-8, with replacement characters and a warning.
 *
 * The lying-header rule. RFC 7303 gives the HTTP charset precedence over the XML declaration and we
 * keep that, with one exception: when the header names a single-byte charset (ISO-8859-1,
 * windows-1252, … — these decode *any* bytes, so a clean decode proves nothing) while the document
 * itself declares a multi-byte charset (UTF-8, GB18030, Big5, …) that decodes its non-ASCII bytes
 * cleanly, the document's declaration wins. A multi-byte decoder accepting non-ASCII text by accident
 * is very unlikely, whereas servers labelling everything `charset=ISO-8859-1` by default is common.
 * JSON counts as declaring UTF-8 (RFC 8259 requires it). Either way a warning is pushed.
 *
 * windows-1252 (which WHATWG also makes of the labels iso-8859-1, latin1 and us-ascii) decodes as browsers do:
 * 0x80–0x9F are its punctuation (’ “ — …), and the five bytes it leaves undefined are the C1 controls of the
 * same number, not U+FFFD — so a declared ISO-8859-1 feed is never thrown over for a guess.
 *
 * The returned text has no BOM; XML keeps its declaration (the downstream parser gets a JS string and
 * ignores the declared encoding).
 */
import { isUtf8 } from 'node:buffer';
import { chardet, iconv } from '../lazy.ts';
import {
  UTF16BE,
  UTF16LE,
  UTF32BE,
  UTF32LE,
  UTF8,
  WINDOWS_1252,
  isGenericUtf16Label,
  resolveLabel,
  type Encoding,
} from './labels.ts';

export type EncodingSource = 'bom' | 'http' | 'xml-declaration' | 'meta' | 'detected' | 'default';

export interface DecodeOptions {
  /** The Content-Type header value, e.g. `text/xml; charset=gb2312`, or null/undefined. */
  contentType?: string | null;
  kind: 'xml' | 'html' | 'json';
}

export interface DecodedBody {
  text: string;
  /** Canonical name of the encoding used: "UTF-8", "UTF-16LE", "GB18030", "Big5", "windows-1252", … */
  encoding: string;
  source: EncodingSource;
  warnings: string[];
}

/** A charset declaration found for the body. */
interface Candidate {
  label: string;
  encoding: Encoding;
  source: 'http' | 'xml-declaration' | 'meta';
}

const SOURCE_DESCRIPTION: Record<Candidate['source'], string> = {
  http: 'HTTP Content-Type',
  'xml-declaration': 'XML declaration',
  meta: 'HTML meta',
};

/** Bytes scanned for in-document declarations. */
const HEAD_BYTES = 2048;

export function decodeBody(body: Buffer, opts: DecodeOptions): DecodedBody {
  const warnings: string[] = [];
  const httpLabel = charsetFromContentType(opts.contentType);

  // 1. Byte order mark.
  const bom = sniffBom(body);
  if (bom) {
    if (httpLabel !== null && !labelMatches(httpLabel, bom.encoding)) {
      warnings.push(`HTTP charset ${httpLabel} contradicts the ${bom.encoding.name} byte order mark; decoded as ${bom.encoding.name}`);
    }
    const text = decodeWith(body.subarray(bom.length), bom.encoding);
    return { text, encoding: bom.encoding.name, source: 'bom', warnings };
  }

  // 2. Declarations, most authoritative first.
  const candidates: Candidate[] = [];
  const utf16 = opts.kind === 'xml' ? sniffUtf16Pattern(body) : null;
  if (httpLabel !== null) {
    // A bare "utf-16" header cannot say which byte order; the XML byte pattern can.
    const encoding = utf16 && isGenericUtf16Label(httpLabel) ? utf16 : resolveLabel(httpLabel);
    if (encoding) candidates.push({ label: httpLabel, encoding, source: 'http' });
    else warnings.push(`unknown charset "${httpLabel}" in HTTP Content-Type; ignored`);
  }
  if (opts.kind === 'xml') {
    if (utf16) {
      candidates.push({ label: `${utf16.name} (byte pattern)`, encoding: utf16, source: 'xml-declaration' });
    } else {
      const label = xmlDeclarationLabel(body);
      if (label !== null) addInDocument(candidates, warnings, label, 'xml-declaration');
    }
  } else if (opts.kind === 'html') {
    const label = metaCharsetLabel(body);
    if (label !== null) addInDocument(candidates, warnings, label, 'meta');
  }

  const nonAscii = hasNonAscii(body);
  const first = candidates[0];
  let chosen: { candidate: Candidate; text: string } | null = null;
  for (const candidate of candidates) {
    const text = decodeClean(body, candidate.encoding);
    if (text !== null) {
      chosen = { candidate, text };
      break;
    }
  }

  if (chosen && first && chosen.candidate === first && first.source === 'http' && nonAscii) {
    // The lying-header rule (see the module comment).
    const inDocument: Candidate | undefined =
      candidates.find((c) => c.source !== 'http') ??
      (opts.kind === 'json' ? { label: 'UTF-8 (JSON)', encoding: UTF8, source: 'http' } : undefined);
    if (inDocument && inDocument.encoding.name !== first.encoding.name) {
      const text = !first.encoding.multiByte && inDocument.encoding.multiByte ? decodeClean(body, inDocument.encoding) : null;
      if (text !== null) {
        const where = opts.kind === 'json' ? 'JSON (always UTF-8)' : `the ${SOURCE_DESCRIPTION[inDocument.source]}`;
        warnings.push(
          `HTTP charset ${first.label} contradicts ${where}, which decodes the content cleanly; decoded as ${inDocument.encoding.name}`,
        );
        const source = opts.kind === 'json' ? 'default' : inDocument.source;
        return { text, encoding: inDocument.encoding.name, source, warnings };
      }
      warnings.push(
        `HTTP charset ${first.label} overrides the document's declared ${inDocument.label}; decoded as ${first.encoding.name}`,
      );
    }
  }

  if (chosen) {
    const { candidate, text } = chosen;
    if (first && candidate !== first) {
      warnings.push(
        `declared charset ${first.label} (${SOURCE_DESCRIPTION[first.source]}) does not match the content; ` +
          `decoded as ${candidate.encoding.name} (${SOURCE_DESCRIPTION[candidate.source]})`,
      );
    }
    return { text, encoding: candidate.encoding.name, source: candidate.source, warnings };
  }

  // 3. Detection. First: a UTF-8 body with a few broken sequences (a truncated character, a stray
  // Latin-1 byte) stays UTF-8 — re-decoding the whole feed with whatever chardet guesses would turn
  // every correct character into mojibake to "fix" one.
  const nearlyUtf8 = mostlyUtf8(body);
  if (nearlyUtf8) {
    const declaredUtf8 = first?.encoding === UTF8 ? first : undefined;
    warnings.push(
      `content is not entirely valid UTF-8 (${nearlyUtf8.invalid} invalid sequence${nearlyUtf8.invalid === 1 ? '' : 's'} replaced)` +
        (first && !declaredUtf8 ? `; declared charset ${first.label} (${SOURCE_DESCRIPTION[first.source]}) does not fit either` : ''),
    );
    return { text: nearlyUtf8.text, encoding: UTF8.name, source: declaredUtf8 ? declaredUtf8.source : 'detected', warnings };
  }
  const detected = detect(body);
  if (detected) {
    if (first) {
      warnings.push(
        `declared charset ${first.label} (${SOURCE_DESCRIPTION[first.source]}) does not match the content; decoded as ${detected.encoding.name}`,
      );
    } else if (detected.encoding !== UTF8) {
      warnings.push(`no charset declared; detected ${detected.encoding.name}`);
    }
    const source = !first && detected.encoding === UTF8 ? 'default' : 'detected';
    return { text: detected.text, encoding: detected.encoding.name, source, warnings };
  }

  // 4. Nothing decodes cleanly: use the best declaration, or UTF-8, with replacement characters.
  const fallback = first ?? null;
  const encoding = fallback ? fallback.encoding : UTF8;
  warnings.push(
    fallback
      ? `content is not valid ${encoding.name} as declared (${SOURCE_DESCRIPTION[fallback.source]}) and no other charset fits; decoded with replacement characters`
      : `no charset declared and none detected; decoded as UTF-8 with replacement characters`,
  );
  return { text: decodeWith(body, encoding), encoding: encoding.name, source: fallback ? fallback.source : 'default', warnings };
}

/** The charset parameter of a Content-Type value, or null. */
export function charsetFromContentType(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;,\s"]+))/i.exec(contentType);
  const label = (match?.[1] ?? match?.[2] ?? '').trim();
  return label === '' ? null : label;
}

function addInDocument(candidates: Candidate[], warnings: string[], label: string, source: 'xml-declaration' | 'meta'): void {
  let encoding = resolveLabel(label);
  if (!encoding) {
    warnings.push(`unknown charset "${label}" in ${SOURCE_DESCRIPTION[source]}; ignored`);
    return;
  }
  // We found the label by reading the bytes as ASCII, so they are not UTF-16 whatever they say
  // (WHATWG treats a UTF-16 meta as UTF-8 for the same reason).
  if (encoding === UTF16LE || encoding === UTF16BE || encoding === UTF32LE || encoding === UTF32BE) encoding = UTF8;
  candidates.push({ label, encoding, source });
}

function sniffBom(body: Buffer): { encoding: Encoding; length: number } | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { encoding: UTF8, length: 3 };
  // UTF-32LE's BOM begins like UTF-16LE's; U+0000 cannot follow a UTF-16 BOM in a feed
  if (body[0] === 0xff && body[1] === 0xfe && body[2] === 0x00 && body[3] === 0x00) return { encoding: UTF32LE, length: 4 };
  if (body[0] === 0x00 && body[1] === 0x00 && body[2] === 0xfe && body[3] === 0xff) return { encoding: UTF32BE, length: 4 };
  if (body[0] === 0xff && body[1] === 0xfe) return { encoding: UTF16LE, length: 2 };
  if (body[0] === 0xfe && body[1] === 0xff) return { encoding: UTF16BE, length: 2 };
  return null;
}

/** UTF-16 (or UTF-32) without a BOM, recognised from the start of `<?xml` (XML 1.0 appendix F). */
function sniffUtf16Pattern(body: Buffer): Encoding | null {
  if (body[0] === 0x3c && body[1] === 0x00 && body[2] === 0x00 && body[3] === 0x00) return UTF32LE;
  if (body[0] === 0x00 && body[1] === 0x00 && body[2] === 0x00 && body[3] === 0x3c) return UTF32BE;
  if (body[0] === 0x3c && body[1] === 0x00 && body[2] === 0x3f && body[3] === 0x00) return UTF16LE;
  if (body[0] === 0x00 && body[1] === 0x3c && body[2] === 0x00 && body[3] === 0x3f) return UTF16BE;
  return null;
}

function labelMatches(label: string, encoding: Encoding): boolean {
  if (isGenericUtf16Label(label)) return encoding === UTF16LE || encoding === UTF16BE;
  return resolveLabel(label)?.name === encoding.name;
}

function head(body: Buffer): string {
  return body.subarray(0, HEAD_BYTES).toString('latin1');
}

function xmlDeclarationLabel(body: Buffer): string | null {
  const match = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*(["'])\s*([^"'\s]+)\s*\1/.exec(head(body));
  return match?.[2] ?? null;
}

function metaCharsetLabel(body: Buffer): string | null {
  for (const tag of head(body).matchAll(/<meta\b[^>]*>/gi)) {
    const match = /charset\s*=\s*["']?\s*([^\s"';>/]+)/i.exec(tag[0]);
    if (match?.[1]) return match[1];
  }
  return null;
}

function hasNonAscii(body: Buffer): boolean {
  for (const byte of body) if (byte >= 0x80) return true;
  return false;
}

/** windows-1252's 0x80–0x9F as WHATWG maps them (0x81, 0x8D, 0x8F, 0x90, 0x9D: the C1 controls). Node's own
 *  TextDecoder('windows-1252') decodes Latin-1 instead, and iconv-lite gives U+FFFD for the five. */
const CP1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWith(bytes: Buffer, encoding: Encoding): string {
  if (encoding === WINDOWS_1252) return bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!);
  if (encoding === UTF8) return bytes.toString('utf8');
  return iconv().decode(bytes, encoding.iconv, { stripBOM: false });
}

/** The decoded text, or null when the encoding does not fit the bytes. */
function decodeClean(body: Buffer, encoding: Encoding): string | null {
  if (encoding === UTF8) {
    if (!isUtf8(body)) return null;
    const text = body.toString('utf8');
    return text.includes('\u0000') ? null : text;
  }
  if ((encoding === UTF16LE || encoding === UTF16BE) && !zeroBytesFit(body, encoding)) return null;
  if ((encoding === UTF32LE || encoding === UTF32BE) && body.length % 4 !== 0) return null;
  const text = decodeWith(body, encoding);
  return text.includes('\uFFFD') || text.includes('\u0000') ? null : text;
}

/**
 * Feeds are markup, so UTF-16 bodies are full of ASCII characters whose high byte is zero: at odd
 * offsets in little-endian, even offsets in big-endian. Without that, "UTF-16" is a wrong label.
 */
function zeroBytesFit(body: Buffer, encoding: Encoding): boolean {
  if (body.length % 2 !== 0) return false;
  let even = 0;
  let odd = 0;
  const end = Math.min(body.length, 4096);
  for (let i = 0; i < end; i++) {
    if (body[i] === 0) {
      if (i % 2 === 0) even++;
      else odd++;
    }
  }
  return encoding === UTF16LE ? odd > even : even > odd;
}

/**
 * Decodes as UTF-8 when at most 1 in 20 non-ASCII characters is broken. Legacy CJK text read as
 * UTF-8 breaks far more often than that (most GBK/Big5 byte pairs are not UTF-8), and Latin-1 text
 * has no valid multi-byte sequences at all, so neither qualifies.
 */
function mostlyUtf8(body: Buffer): { text: string; invalid: number } | null {
  const text = body.toString('utf8');
  let invalid = 0;
  let valid = 0;
  for (const char of text) {
    if (char === '\uFFFD') invalid++;
    else if (char > '\u007F') valid++;
  }
  if (invalid === 0 || valid === 0 || invalid * 20 > valid || text.includes('\u0000')) return null;
  return { text, invalid };
}

/** Detection for bodies whose declarations (if any) do not fit. */
function detect(body: Buffer): { encoding: Encoding; text: string } | null {
  const utf8 = decodeClean(body, UTF8);
  if (utf8 !== null) return { encoding: UTF8, text: utf8 };
  let matches: ReturnType<ReturnType<typeof chardet>['analyse']> = [];
  try {
    matches = chardet().analyse(body);
  } catch {
    matches = [];
  }
  for (const match of matches) {
    if (match.confidence < 10) continue;
    const encoding = resolveLabel(match.name);
    if (!encoding || encoding === UTF8) continue;
    const text = decodeClean(body, encoding);
    if (text !== null) return { encoding, text };
  }
  return null;
}
