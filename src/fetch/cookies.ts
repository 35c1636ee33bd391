/**
 * Cookies (docs/fetching.md#per-site-identity): a Netscape cookies.txt read into a tough-cookie jar, and the
 * jar of the cookies sites set, kept across runs in the archive's git-ignored local state. Matching — domain,
 * path, Secure, expiry, host-only — is tough-cookie's (RFC 6265); nothing here decides where a cookie goes.
 *
 * No message, error or `toJSON` here ever holds a cookie's value.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Cookie, CookieJar, type SerializedCookieJar } from 'tough-cookie';
import { writeAtomic } from '../util/index.ts';
import { FetchError } from './errors.ts';

/** A cookies.txt larger than this is refused (a browser's export of every site is a few MiB). */
export const MAX_COOKIES_FILE_BYTES = 16 * 1024 * 1024;
/** Set-Cookie headers read from one response; more are ignored. */
export const MAX_SET_COOKIE_PER_RESPONSE = 50;
/** A Set-Cookie longer than this is ignored (RFC 6265 §6.1 asks for at least 4096 bytes per cookie). */
export const MAX_SET_COOKIE_LENGTH = 8192;
/** Cookies one jar keeps from sites; beyond this, new ones are ignored (a hostile site cannot grow it without end). */
export const MAX_JAR_COOKIES = 1000;

/** A jar with the rules Newsvault uses: RFC 6265, public suffixes refused, Secure cookies only over https. */
export function newJar(): CookieJar {
  return new CookieJar(undefined, { rejectPublicSuffixes: true, allowSecureOnLocal: false, looseMode: false, prefixSecurity: 'strict' });
}

export interface CookiesFile {
  cookies: Cookie[];
  /** Lines that are not cookies.txt lines (by number), skipped. */
  skipped: number[];
}

/**
 * The cookies of a Netscape cookies.txt (curl, wget, browser extensions): one per line, seven tab-separated
 * fields — domain, include subdomains (TRUE/FALSE), path, secure (TRUE/FALSE), expiry (Unix seconds, 0 for a
 * session cookie), name, value. `#` lines are comments, except `#HttpOnly_<domain>` lines (an HttpOnly cookie).
 * Cookies already expired at `now` are left out.
 */
export function parseCookiesTxt(text: string, now = Date.now()): CookiesFile {
  const cookies: Cookie[] = [];
  const skipped: number[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    let line = raw;
    let httpOnly = false;
    if (line.startsWith('#HttpOnly_')) {
      httpOnly = true;
      line = line.slice('#HttpOnly_'.length);
    } else if (line.trim() === '' || line.startsWith('#')) return;
    const fields = line.split('\t');
    if (fields.length < 7) {
      skipped.push(i + 1);
      return;
    }
    const [domainField, subdomains, cookiePath, secure, expiry, name] = fields as [string, string, string, string, string, string];
    const value = fields.slice(6).join('\t').trim();
    const domain = domainField.trim().replace(/^\./, '').toLowerCase();
    const seconds = Number(expiry.trim());
    if (domain === '' || name.trim() === '' || !Number.isFinite(seconds) || !/^(TRUE|FALSE)$/i.test(subdomains.trim()) || !/^(TRUE|FALSE)$/i.test(secure.trim())) {
      skipped.push(i + 1);
      return;
    }
    if (seconds > 0 && seconds * 1000 <= now) return;
    const cookie = new Cookie({
      key: name.trim(),
      value,
      domain,
      path: cookiePath.trim() || '/',
      secure: /^TRUE$/i.test(secure.trim()),
      httpOnly,
      hostOnly: !/^TRUE$/i.test(subdomains.trim()),
      expires: seconds > 0 ? new Date(seconds * 1000) : 'Infinity',
    });
    cookies.push(cookie);
  });
  return { cookies, skipped };
}

/** Reads a cookies.txt into `jar`; returns the cookies put there. A file that cannot be read is a FetchError (never retried). */
export async function loadCookiesFile(file: string, jar: CookieJar, now = Date.now()): Promise<Cookie[]> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (stat.size > MAX_COOKIES_FILE_BYTES) {
      throw new FetchError('file', `the cookies file ${file} is larger than ${MAX_COOKIES_FILE_BYTES / 1024 / 1024} MiB`, { transient: false });
    }
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof FetchError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new FetchError('file', `cannot read the cookies file ${file} (${code})`, { transient: false });
  }
  const parsed = parseCookiesTxt(text, now);
  if (parsed.cookies.length === 0 && parsed.skipped.length > 0) {
    throw new FetchError('file', `the cookies file ${file} is not a Netscape cookies.txt (line ${parsed.skipped[0]} does not have its 7 tab-separated fields)`, {
      transient: false,
    });
  }
  const stored: Cookie[] = [];
  for (const cookie of parsed.cookies) {
    // set through the jar, at a URL of the cookie's own site, so that its rules apply (public suffixes refused)
    const url = `https://${cookie.domain ?? ''}${cookie.path ?? '/'}`;
    const given = cookie.clone();
    if (given === undefined) continue;
    if (cookie.hostOnly) given.domain = null;
    const set = await jar.setCookie(given, url, { http: true, ignoreError: true, now: new Date(now) }).catch(() => undefined);
    if (set !== undefined) stored.push(set);
  }
  return stored;
}

/**
 * Max-Age made an absolute expiry from `now` (tough-cookie counts it from the last access, which would let a
 * cookie read every run never expire). Mutates the stored cookie.
 */
export function fixExpiry(cookie: Cookie, now: number): void {
  if (typeof cookie.maxAge !== 'number') return;
  cookie.expires = new Date(cookie.maxAge <= 0 ? 0 : now + cookie.maxAge * 1000);
  cookie.maxAge = null;
}

/** `key`, domain, path and value: a cookie that came from the file, unchanged. */
export function cookieSignature(c: Pick<Cookie, 'key' | 'domain' | 'path' | 'value'>): string {
  return JSON.stringify([c.key, c.domain, c.path, c.value]);
}

/** The jar saved in `file` (tough-cookie's JSON), or null when there is none or it cannot be read. */
export async function readJar(file: string): Promise<CookieJar | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const saved = JSON.parse(text) as SerializedCookieJar;
    const jar = newJar();
    for (const c of Array.isArray(saved.cookies) ? saved.cookies : []) {
      const cookie = Cookie.fromJSON(c);
      if (cookie) await jar.store.putCookie(cookie);
    }
    return jar;
  } catch {
    return null; // a damaged jar is started afresh: the sites set their cookies again
  }
}

/**
 * The cookies of `jar` to keep: not expired at `now`, and not one that came from the cookies file unchanged
 * (`fromFile`: signatures), as tough-cookie's JSON. The file's cookies are read from it at every run, never copied.
 */
export async function jarToKeep(jar: CookieJar, fromFile: ReadonlySet<string>, now = Date.now()): Promise<string> {
  const all = await jar.store.getAllCookies();
  const kept = all
    .filter((c) => !fromFile.has(cookieSignature(c)))
    .filter((c) => {
      const at = c.expiryTime();
      return at === undefined || at > now; // a session cookie (no expiry) is kept, as curl's jar does
    })
    .map((c) => c.toJSON());
  return `${JSON.stringify({ version: 'newsvault-cookies/1', cookies: kept }, null, 1)}\n`;
}

/** Writes a jar's JSON atomically into `file`, its folder readable by its owner only. */
export async function writeJar(file: string, json: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeAtomic(file, json, { tmpDir: dir });
  await fs.chmod(file, 0o600).catch(() => {});
}
