import type { FetchedResource } from '../domain.ts';

/** What `fetchResource` returns: a FetchedResource plus what later iterations build on. */
export interface FetchResult extends FetchedResource {
  /** Final response headers, names lower-cased, repeated headers joined with ", ". `{}` for files. */
  headers: Record<string, string>;
  /** URLs that answered with a redirect, in order, before `url`. `[]` when none (and for files). */
  redirects: string[];
  /**
   * True when a conditional GET (FetchOptions.validators) was answered 304 Not Modified: then
   * `status` is 304 and `body` is empty, and there is nothing to parse or write.
   */
  notModified: boolean;
  /** Attempts made (1 without retries; always 1 for files). */
  attempts: number;
  /**
   * Validators for a later conditional GET (If-None-Match / If-Modified-Since), as the final
   * response gave them. On a 304 they may be absent: keep the ones you sent.
   */
  etag?: string;
  lastModified?: string;
  /**
   * Set when the location asked for (its first hop) was reached on a non-public address (loopback,
   * private, link-local…): that address. Known for IP literals and localhost always, for names only
   * when connected directly (not through a proxy or a caller's dispatcher). Absent for files.
   */
  privateAddress?: string;
}
