/** Sources for `newsvault run --feed URL_OR_FILE`: made up on the spot from feed locations. */
import path from 'node:path';

import type { Source } from '../domain.ts';
import { CATALOG } from './catalog.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { checkFeedLocation, isRemoteLocation } from './location.ts';
import { MAX_SLUG_LENGTH, slugify } from './slug.ts';

export interface AdHocOptions {
  /** Folder relative file paths are resolved against. Default: process.cwd(). */
  baseDir?: string;
  /**
   * Slugs the new sources must not take, so an ad-hoc feed never writes into another source's
   * folder; a clash gets a numeric suffix. Default: the catalog's slugs. Pass the configured
   * sources' slugs to keep clear of user sources too.
   */
  reserved?: Iterable<string>;
}

/**
 * One enabled source per distinct location, in order. The slug comes from the URL's host
 * (without a leading `www.`) or the file name (without its extension), e.g.
 * `https://www.example.org/rss.xml` → `example-org`, `./feeds/My Feed.xml` → `my-feed`; a slug
 * already taken gets `-2`, `-3`, …. The name is the host, or the file name. The same input always
 * gives the same sources. A location that is neither an http(s) URL nor a file path throws
 * ConfigError (file `--feed`).
 */
export function adHocSources(locations: string[], options: AdHocOptions = {}): Source[] {
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const taken = new Set<string>(options.reserved ?? CATALOG.map((s) => s.slug));
  const seen = new Set<string>();
  const sources: Source[] = [];
  const problems: ConfigProblem[] = [];

  for (const raw of locations) {
    const checked = checkFeedLocation(raw, baseDir);
    if (!checked.ok) {
      problems.push({ field: null, problem: checked.problem });
      continue;
    }
    const location = checked.location;
    if (seen.has(location)) continue;
    seen.add(location);

    const { name, base } = describeLocation(location);
    const slug = freeSlug(base, taken);
    taken.add(slug);
    sources.push({ slug, name, feeds: [location], enabled: true });
  }

  if (problems.length > 0) throw new ConfigError('--feed', problems);
  return sources;
}

/** The display name and the slug stem of a location. */
function describeLocation(location: string): { name: string; base: string } {
  if (isRemoteLocation(location)) {
    const url = new URL(location);
    const base = slugify(url.hostname.replace(/^www\./i, '')) || slugify(url.hostname) || 'feed';
    return { name: url.host, base };
  }
  const fileName = path.basename(location);
  const stem = fileName.replace(/\.[^.]*$/, '') || fileName;
  return { name: fileName, base: slugify(stem) || 'feed' };
}

/** `base`, or `base-2`, `base-3`, … whichever is first not taken. */
function freeSlug(base: string, taken: ReadonlySet<string>): string {
  const stem = base.slice(0, MAX_SLUG_LENGTH - 4).replace(/-+$/, '') || 'feed';
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
