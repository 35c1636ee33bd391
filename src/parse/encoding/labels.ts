/**
 * Charset label → encoding, following the WHATWG Encoding Standard where it matters
 * (https://encoding.spec.whatwg.org/#names-and-labels), decoded with iconv-lite.
 *
 * Deliberate deviations from a literal WHATWG table:
 * - Every GBK/GB2312 label decodes as GB18030. WHATWG's GBK decoder *is* the GB18030 decoder, and
 *   GB2312-labelled feeds routinely contain GBK-only characters (镕, 堃) and occasionally 4-byte
 *   GB18030 sequences (emoji), so one superset decoder is right for all of them.
 * - Big5 decodes with iconv-lite's big5hkscs (Big5 + HKSCS, a superset of cp950 for our purposes).
 * - Labels that WHATWG does not list but iconv-lite knows (e.g. `iso-8859-10`, `koi8-ru`, `cp866`)
 *   are accepted as they are rather than rejected.
 */
import { iconv } from '../lazy.ts';

export interface Encoding {
  /** Canonical display name, e.g. "UTF-8", "GB18030", "Big5", "windows-1252". */
  name: string;
  /** iconv-lite codec name. */
  iconv: string;
  /** Multi-byte encodings can reject byte sequences, so a clean decode is evidence they are right. */
  multiByte: boolean;
}

export const UTF8: Encoding = { name: 'UTF-8', iconv: 'utf-8', multiByte: true };
export const UTF16LE: Encoding = { name: 'UTF-16LE', iconv: 'utf-16le', multiByte: true };
export const UTF16BE: Encoding = { name: 'UTF-16BE', iconv: 'utf-16be', multiByte: true };
export const UTF32LE: Encoding = { name: 'UTF-32LE', iconv: 'utf-32le', multiByte: true };
export const UTF32BE: Encoding = { name: 'UTF-32BE', iconv: 'utf-32be', multiByte: true };
export const GB18030: Encoding = { name: 'GB18030', iconv: 'gb18030', multiByte: true };
export const BIG5: Encoding = { name: 'Big5', iconv: 'big5hkscs', multiByte: true };
export const WINDOWS_1252: Encoding = { name: 'windows-1252', iconv: 'windows-1252', multiByte: false };

const TABLE: Array<[Encoding, string[]]> = [
  [UTF8, ['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']],
  // A bare "utf-16" label means little-endian in WHATWG (the BOM, checked first, overrides it).
  [UTF16LE, ['utf-16le', 'utf-16', 'ucs-2', 'unicode', 'csunicode', 'iso-10646-ucs-2', 'unicodefeff']],
  [UTF16BE, ['utf-16be', 'unicodefffe']],
  // Not in WHATWG (browsers dropped UTF-32); feeds in it exist, always with a BOM or the `<\0\0\0` pattern.
  [UTF32LE, ['utf-32le', 'utf-32', 'utf32', 'ucs-4', 'iso-10646-ucs-4']],
  [UTF32BE, ['utf-32be']],
  [
    GB18030,
    [
      'gb18030', 'gbk', 'x-gbk', 'gb2312', 'gb_2312', 'gb_2312-80', 'chinese', 'csgb2312',
      'csiso58gb231280', 'iso-ir-58', 'cp936', 'ms936', 'windows-936', 'euc-cn', 'x-euc-cn',
    ],
  ],
  [BIG5, ['big5', 'big5-hkscs', 'big5hkscs', 'cn-big5', 'csbig5', 'x-x-big5', 'cp950', 'x-big5']],
  [
    { name: 'Shift_JIS', iconv: 'cp932', multiByte: true },
    ['shift_jis', 'shift-jis', 'sjis', 'x-sjis', 'ms_kanji', 'csshiftjis', 'ms932', 'windows-31j', 'cp932'],
  ],
  [{ name: 'EUC-JP', iconv: 'eucjp', multiByte: true }, ['euc-jp', 'x-euc-jp', 'cseucpkdfmtjapanese']],
  [
    { name: 'EUC-KR', iconv: 'cp949', multiByte: true },
    [
      'euc-kr', 'cseuckr', 'korean', 'ks_c_5601-1987', 'ks_c_5601-1989', 'ksc5601', 'ksc_5601',
      'csksc56011987', 'iso-ir-149', 'windows-949', 'cp949',
    ],
  ],
  // WHATWG: latin1 and ASCII labels decode as windows-1252 (C1 bytes 0x80–0x9F are “smart” punctuation).
  [
    WINDOWS_1252,
    [
      'windows-1252', 'cp1252', 'x-cp1252', 'iso-8859-1', 'iso8859-1', 'iso88591', 'iso_8859-1',
      'iso_8859-1:1987', 'latin1', 'l1', 'us-ascii', 'ascii', 'ansi_x3.4-1968', 'cp819', 'ibm819',
      'csisolatin1', 'iso-ir-100',
    ],
  ],
  [
    { name: 'windows-1254', iconv: 'windows-1254', multiByte: false },
    ['windows-1254', 'cp1254', 'x-cp1254', 'iso-8859-9', 'iso8859-9', 'iso88599', 'iso_8859-9', 'latin5', 'l5'],
  ],
  [
    { name: 'windows-874', iconv: 'windows-874', multiByte: false },
    ['windows-874', 'dos-874', 'tis-620', 'iso-8859-11', 'iso8859-11', 'iso885911'],
  ],
  [{ name: 'KOI8-R', iconv: 'koi8-r', multiByte: false }, ['koi8-r', 'koi8_r', 'koi', 'koi8', 'cskoi8r']],
  [{ name: 'KOI8-U', iconv: 'koi8-u', multiByte: false }, ['koi8-u', 'koi8-ru']],
];

// The remaining single-byte families, generated rather than spelled out.
for (const n of [2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16]) {
  TABLE.push([
    { name: `ISO-8859-${n}`, iconv: `iso-8859-${n}`, multiByte: false },
    [`iso-8859-${n}`, `iso8859-${n}`, `iso_8859-${n}`, `iso8859${n}`],
  ]);
}
for (const n of [1250, 1251, 1253, 1255, 1256, 1257, 1258]) {
  TABLE.push([
    { name: `windows-${n}`, iconv: `windows-${n}`, multiByte: false },
    [`windows-${n}`, `cp${n}`, `x-cp${n}`],
  ]);
}

const BY_LABEL = new Map<string, Encoding>();
for (const [encoding, labels] of TABLE) for (const label of labels) BY_LABEL.set(label, encoding);

/** Trims, lowercases and unquotes a label as it appeared in a header or a document. */
export function cleanLabel(label: string): string {
  return label.trim().replace(/^["']|["']$/g, '').trim().toLowerCase();
}

/** The encoding a charset label names, or null when neither WHATWG nor iconv-lite knows it. */
export function resolveLabel(label: string): Encoding | null {
  const clean = cleanLabel(label);
  if (clean === '') return null;
  const known = BY_LABEL.get(clean);
  if (known) return known;
  if (iconv().encodingExists(clean)) {
    return { name: clean, iconv: clean, multiByte: /utf|ucs|cesu/.test(clean) };
  }
  return null;
}

/** True for labels that say "UTF-16" without fixing the byte order. */
export function isGenericUtf16Label(label: string): boolean {
  return ['utf-16', 'ucs-2', 'unicode', 'csunicode', 'iso-10646-ucs-2'].includes(cleanLabel(label));
}
