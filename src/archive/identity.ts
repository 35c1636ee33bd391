/**
 * Identity of an item across runs, orders and machines: GUID, canonical URL, content hash,
 * and the stable article id derived from them.
 */
import { createHash } from 'node:crypto';
import { sha256 } from '../util/index.ts';

/** Query parameters that only track the reader; removed before URLs are compared. */
const TRACKING = /^(utm_.*|at_.*|xtor|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl|spm|ncid|cmpid|ocid|s_cid|ref_src|sr_share|ito|ftcamp)$/i;

/** A URL reduced to what identifies the page: no fragment, no tracking parameters, parameters sorted,
 *  default port and trailing "?" dropped, http and https equal. Null when the input is no absolute URL. */
export function canonicalUrl(link: string | null | undefined): string | null {
  if (!link) return null;
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  const kept = [...url.searchParams].filter(([k]) => !TRACKING.test(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  url.search = new URLSearchParams(kept).toString();
  url.protocol = 'https:';
  if (url.hostname.startsWith('www.')) url.hostname = url.hostname.slice(4);
  return url.href;
}

/** Hash of what a reader sees: the title and the joined body. */
export function contentHash(title: string, body: string): string {
  return sha256(`${title.trim()}\n${body}`).slice(0, 32);
}

/** Hash of the body alone, normalised for white space, to catch the same article under a new GUID and URL. */
export function bodyHash(body: string): string {
  return sha256(body.replace(/\s+/g, ' ').trim()).slice(0, 32);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A stable 10-character id (50 bits) for an item of a source: from its GUID, else its canonical URL,
 *  else its body. The same item gets the same id in any run, order or machine. */
export function articleId(sourceSlug: string, key: string, length = 10): string {
  const digest = createHash('sha256').update(`${sourceSlug}\n${key}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= length) break;
  }
  return out;
}

export interface ItemKeys {
  guid: string | null;
  canonical: string | null;
  body: string | null;
}

/** The identity key an id is derived from (GUID first: it survives link changes). */
export function identityKey(keys: ItemKeys): string {
  if (keys.guid) return `guid:${keys.guid}`;
  if (keys.canonical) return `url:${keys.canonical}`;
  return `body:${keys.body ?? ''}`;
}
