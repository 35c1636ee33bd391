/**
 * Per-site identity (docs/fetching.md#per-site-identity): what one source's requests carry besides the
 * User-Agent and plain extra headers (those are FetchOptions.userAgent / headers): cookies and credentials,
 * decided for each request and each redirect hop by the URL it goes to.
 *
 *   cookies       a tough-cookie jar (RFC 6265: domain, path, Secure, expiry): a cookies.txt's cookies, and,
 *                 with `keepServerCookies`, those the sites set (Set-Cookie on any response, redirects too),
 *                 sent back on the next requests and — with `jarFile` — on the next runs
 *   credentials   Authorization / Cookie headers written in the config: only to the origins given (the
 *                 source's own feeds), never to pages, images or redirects elsewhere
 *
 * The identity never shows a secret: its `toJSON` and `util.inspect` say what it holds, not the values.
 */
import { inspect } from 'node:util';
import type { CookieJar } from 'tough-cookie';
import {
  MAX_JAR_COOKIES,
  MAX_SET_COOKIE_LENGTH,
  MAX_SET_COOKIE_PER_RESPONSE,
  cookieSignature,
  fixExpiry,
  jarToKeep,
  loadCookiesFile,
  newJar,
  readJar,
  writeJar,
} from './cookies.ts';

export interface IdentityOptions {
  /** A Netscape cookies.txt, read on first use (absolute path). */
  cookiesFile?: string | undefined;
  /** Keep the cookies sites set and send them back. Default false: Set-Cookie is ignored. */
  keepServerCookies?: boolean | undefined;
  /** With keepServerCookies, where they are kept across runs (absolute path; undefined: this process only). */
  jarFile?: string | undefined;
  /** Header values (lower-case names) sent only to `credentialOrigins`: Authorization, Cookie. */
  credentials?: Readonly<Record<string, string>> | undefined;
  /** Origins (`https://host[:port]`) that get `credentials`. */
  credentialOrigins?: readonly string[] | undefined;
  /** Clock, for tests. */
  now?: () => number;
}

/** The one thing about an identity a message may say. */
const REDACTED = '[redacted]';

export class RequestIdentity {
  readonly #opts: IdentityOptions;
  readonly #now: () => number;
  readonly #origins: ReadonlySet<string>;
  #ready: Promise<CookieJar> | undefined;
  /** Signatures of the cookies that came from the cookies file (never written to the jar file). */
  #fromFile = new Set<string>();
  /** What the jar file holds (or was last written with). */
  #saved: string | undefined;
  #saving: Promise<void> = Promise.resolve();
  /** The last error writing the jar file (cookies are kept in memory regardless). */
  saveError: string | undefined;

  constructor(opts: IdentityOptions) {
    this.#opts = { ...opts, credentials: { ...opts.credentials } };
    this.#now = opts.now ?? Date.now;
    this.#origins = new Set((opts.credentialOrigins ?? []).map(originOf).filter((o): o is string => o !== null));
  }

  /** Whether this identity adds anything to requests (else it can be left out). */
  get active(): boolean {
    return this.#opts.cookiesFile !== undefined || this.#opts.keepServerCookies === true || Object.keys(this.#opts.credentials ?? {}).length > 0;
  }

  /** The jar: the kept cookies, then the file's on top (a file's cookie replaces a kept one of the same name, domain and path). */
  #jar(): Promise<CookieJar> {
    this.#ready ??= (async () => {
      let jar = newJar();
      const { jarFile, keepServerCookies, cookiesFile } = this.#opts;
      if (keepServerCookies && jarFile !== undefined) {
        jar = (await readJar(jarFile)) ?? jar;
        this.#saved = await jarToKeep(jar, new Set(), this.#now());
      }
      if (cookiesFile !== undefined) {
        for (const c of await loadCookiesFile(cookiesFile, jar, this.#now())) this.#fromFile.add(cookieSignature(c));
      }
      return jar;
    })();
    return this.#ready;
  }

  /**
   * The headers a request to `url` carries for this identity: `cookie` from the jar (and a configured Cookie,
   * for the credential origins), `authorization` for the credential origins. Rejects with a FetchError when
   * the cookies file cannot be read.
   */
  async headersFor(url: URL): Promise<Record<string, string>> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return {};
    const out: Record<string, string> = {};
    const own = this.#origins.has(url.origin) ? (this.#opts.credentials ?? {}) : {};
    for (const [name, value] of Object.entries(own)) if (name !== 'cookie') out[name] = value;
    const cookies: string[] = [];
    if (this.#opts.cookiesFile !== undefined || this.#opts.keepServerCookies) {
      const jar = await this.#jar();
      const fromJar = await jar.getCookieString(url.href, { http: true });
      if (fromJar) cookies.push(fromJar);
    }
    if (own['cookie']) cookies.push(own['cookie']);
    if (cookies.length > 0) out['cookie'] = cookies.join('; ');
    return out;
  }

  /** The Set-Cookie headers of a response from `url`: kept when keepServerCookies, then saved (when there is a jar file). */
  async received(url: URL, setCookie: readonly string[]): Promise<void> {
    if (!this.#opts.keepServerCookies || setCookie.length === 0) return;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    const jar = await this.#jar();
    let changed = false;
    let count = (await jar.store.getAllCookies()).length;
    for (const header of setCookie.slice(0, MAX_SET_COOKIE_PER_RESPONSE)) {
      if (header.length > MAX_SET_COOKIE_LENGTH) continue;
      // a cookie the jar refuses (another site's domain, a public suffix, Secure over http…) is dropped silently
      const set = await jar.setCookie(header, url.href, { http: true, ignoreError: true, now: new Date(this.#now()) }).catch(() => undefined);
      if (set === undefined) continue;
      fixExpiry(set, this.#now());
      changed = true;
      const now = (await jar.store.getAllCookies()).length;
      // a full jar takes replacements of the cookies it holds, not new ones
      if (now > count && now > MAX_JAR_COOKIES) await jar.store.removeCookie(set.domain, set.path, set.key);
      else count = now;
    }
    if (changed) await this.#save(jar);
  }

  /** Writes the jar file when what it should hold changed; one write at a time. Never throws. */
  #save(jar: CookieJar): Promise<void> {
    const file = this.#opts.jarFile;
    if (file === undefined) return Promise.resolve();
    this.#saving = this.#saving.then(async () => {
      try {
        const json = await jarToKeep(jar, this.#fromFile, this.#now());
        if (json === this.#saved) return;
        await writeJar(file, json);
        this.#saved = json;
        this.saveError = undefined;
      } catch (err) {
        this.saveError = `could not keep cookies in ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      }
    });
    return this.#saving;
  }

  /** Resolves when every save started has ended. */
  async flush(): Promise<void> {
    await this.#saving;
  }

  /** What a log or JSON may show: which kinds of identity, never a value. */
  toJSON(): Record<string, unknown> {
    return {
      cookiesFile: this.#opts.cookiesFile ?? null,
      cookieJar: this.#opts.keepServerCookies === true,
      credentials: Object.fromEntries(Object.keys(this.#opts.credentials ?? {}).map((k) => [k, REDACTED])),
    };
  }

  [inspect.custom](): string {
    return `RequestIdentity ${JSON.stringify(this.toJSON())}`;
  }
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** Header values that are secrets, by lower-case name. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** A copy of `headers` fit to show: Authorization, Cookie, Set-Cookie (and Proxy-Authorization) values replaced by `[redacted]`. */
export function redactHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
