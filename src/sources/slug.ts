/**
 * Source slugs: the stable, lowercase, filesystem-safe identifiers that folder and list
 * names derive from (see `Source.slug` in src/domain.ts).
 */

/** `[a-z0-9][a-z0-9-]*`: lowercase only, so two slugs can never differ only by case. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Longest slug accepted; keeps folder names well under every filesystem's limit. */
export const MAX_SLUG_LENGTH = 64;

export function isValidSlug(text: string): boolean {
  return text.length <= MAX_SLUG_LENGTH && SLUG_PATTERN.test(text);
}

/**
 * A slug derived from free text: lowercased, every run of other characters turned into one
 * hyphen, hyphens trimmed from both ends, cut to MAX_SLUG_LENGTH. Returns '' when nothing
 * usable is left (e.g. text that is all CJK or punctuation).
 */
export function slugify(text: string, maxLength: number = MAX_SLUG_LENGTH): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, maxLength).replace(/-+$/, '');
}
