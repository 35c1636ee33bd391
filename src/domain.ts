/**
 * The domain model shared by every stage: sources → fetch → parse → archive → publish.
 * Stages depend on these types, never on each other's internals.
 */

/** A feed the archive polls: a catalog outlet or one a user configured. */
export interface Source {
  /** Stable, lowercase, filesystem-safe identifier: `[a-z0-9][a-z0-9-]*`. Folder and list names derive from it. */
  slug: string;
  /** Display name, e.g. "法广 RFI". */
  name: string;
  /** Chinese name, e.g. "法广" (catalog outlets). */
  nameZh?: string;
  /** English name, e.g. "Radio France Internationale" (catalog outlets). */
  nameEn?: string;
  homepage?: string;
  /** Feed locations: http(s) URLs or local file paths. Empty when the outlet publishes no usable feed. */
  feeds: string[];
  enabled: boolean;
  /** Why a catalog source has no feed or is disabled by default, shown by `newsvault sources`. */
  note?: string;
  /** When to fetch the article page for the full text (default auto: when the feed gives only a summary). */
  fullText?: FullTextMode;
}

export const FULL_TEXT_MODES = ['auto', 'always', 'never'] as const;
export type FullTextMode = (typeof FULL_TEXT_MODES)[number];

/** One item of a feed after parsing, in the shape `inspect --json` prints (see docs/feed-json.md). */
export interface FeedItem {
  /** GUID / Atom id / JSON Feed id as given, or null. */
  id: string | null;
  title: string;
  /** Absolute link as the feed gave it, or null. Relative links resolve against xml:base, then (RSS and RDF)
   *  the channel's <link>, then the feed's URL; see docs/feed-json.md. */
  link: string | null;
  /** ms since epoch, or null when missing or unparseable (a warning says which). */
  published: number | null;
  updated: number | null;
  author: string | null;
  /** The short form: RSS description when content:encoded exists, Atom summary, JSON summary. */
  summary: string | null;
  /** The fullest body: content:encoded / Atom content / JSON content_html, else description/summary. */
  content: string | null;
  categories: string[];
  enclosures: Enclosure[];
}

export interface Enclosure {
  url: string;
  type: string | null;
  length: number | null;
}

/** A parsed feed. */
export interface Feed {
  format: FeedFormat;
  title: string | null;
  link: string | null;
  language: string | null;
  items: FeedItem[];
  /** Everything recovered from or guessed about: malformed XML, bad dates, guessed encodings. */
  warnings: string[];
}

export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

/** What one fetch returned. */
export interface FetchedResource {
  /** The URL (or absolute file path) finally read, after redirects. */
  url: string;
  status: number;
  /** Content-Type header value, or null (always null for local files). */
  contentType: string | null;
  body: Buffer;
}

/** An article ready to be written in the archive format. */
export interface Article {
  sourceSlug: string;
  /** Stable id derived from the item's identity (see src/archive/identity.ts). */
  id: string;
  title: string;
  /** WHATWG-normalised link. */
  link: string;
  /** ms since epoch. */
  published: number;
  /** The body HTML as the source gave it. */
  contentHtml: string;
}
