/**
 * Dependencies the parse stage needs only for some feeds, loaded the first time they are used (CommonJS,
 * so synchronously), not when the stage is imported: a UTF-8 feed never needs iconv-lite or chardet, a plain-text title never needs entities, and
 * `newsvault inspect` starts faster without them (docs/benchmarks.md).
 */
import { createRequire } from 'node:module';
import type Iconv from 'iconv-lite';
import type Chardet from 'chardet';
import type * as Entities from 'entities';

const requireCjs = createRequire(import.meta.url);

let iconvModule: typeof Iconv | undefined;
let entitiesModule: typeof Entities | undefined;
let chardetModule: typeof Chardet | undefined;

export function iconv(): typeof Iconv {
  return (iconvModule ??= requireCjs('iconv-lite') as typeof Iconv);
}

export function chardet(): typeof Chardet {
  return (chardetModule ??= requireCjs('chardet') as typeof Chardet);
}

/** HTML character references: only titles that hold HTML need them. */
export function decodeHTMLStrict(s: string): string {
  return (entitiesModule ??= requireCjs('entities') as typeof Entities).decodeHTMLStrict(s);
}
