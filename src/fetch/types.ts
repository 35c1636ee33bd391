import type { FetchedResource } from '../domain.ts';

/** What `fetchResource` returns: a FetchedResource plus what later iterations build on. */
export interface FetchResult extends FetchedResource {
  /** Final response headers, names lower-cased, repeated headers joined with ", ". `{}` for files. */
  headers: Record<string, string>;
  /** URLs that answered with a redirect, in order, before `url`. `[]` when none (and for files). */
  redirects: string[];
  /** Validators for a later conditional GET (If-None-Match / If-Modified-Since). */
  etag?: string;
  lastModified?: string;
}
