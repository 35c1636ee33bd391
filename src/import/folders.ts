/**
 * The original archive's folders under `articles/` and the catalog slugs they become. The script wrote
 * Chinese-named folders in its first weeks (October 2020), then the abbreviations of its `perform.js`
 * (路透→reuters, 纽约时报→nyt, 美国之音→voa, 金融时报→ft, BBC→bbc, 法广→rfi, 德国之声→dw, 自由亚洲电台→rfa,
 * 中国数字时代→cdt). Both become one source: `BBC/` and `bbc/` are bbc, `法广/` and `rfi/` are rfi.
 */
import { createHash } from 'node:crypto';
import { slugify } from '../sources/index.ts';

export interface FolderSource {
  slug: string;
  /** 0 for the 2020 Chinese-named folders, 1 for the later abbreviations: the order an import walks them
   *  in, old to new, so that the newest text of an article ends up its current one. */
  era: 0 | 1;
  /** Whether the folder is in the table (false: a slug made from its name, with a warning). */
  known: boolean;
}

/** Every folder of the original archive (matched case-insensitively), and a few spellings of the same outlets. */
export const LEGACY_FOLDERS: Readonly<Record<string, { slug: string; era: 0 | 1 }>> = Object.freeze({
  法广: { slug: 'rfi', era: 0 },
  rfi: { slug: 'rfi', era: 1 },
  bbc: { slug: 'bbc', era: 1 },
  德国之声: { slug: 'dw', era: 0 },
  dw: { slug: 'dw', era: 1 },
  美国之音: { slug: 'voa', era: 0 },
  voa: { slug: 'voa', era: 1 },
  纽约时报: { slug: 'nytimes', era: 0 },
  nyt: { slug: 'nytimes', era: 1 },
  nytimes: { slug: 'nytimes', era: 1 },
  自由亚洲电台: { slug: 'rfa', era: 0 },
  rfa: { slug: 'rfa', era: 1 },
  中国数字时代: { slug: 'cdt', era: 0 },
  cdt: { slug: 'cdt', era: 1 },
  路透: { slug: 'reuters', era: 0 },
  reuters: { slug: 'reuters', era: 1 },
  金融时报: { slug: 'ftchinese', era: 0 },
  ft: { slug: 'ftchinese', era: 1 },
  ftchinese: { slug: 'ftchinese', era: 1 },
});

/** `BBC` (the 2020 folder) sorts before `bbc`: the only Latin folder of the first era. */
const FIRST_ERA_LATIN = new Set(['BBC']);

/** The source a folder of the original archive becomes. An unknown folder gets a slug made from its name
 *  (`legacy-<hash>` when nothing Latin is left of it). */
export function folderSource(folder: string): FolderSource {
  const name = folder.normalize('NFC');
  const entry = LEGACY_FOLDERS[name] ?? LEGACY_FOLDERS[name.toLowerCase()];
  if (entry) return { slug: entry.slug, era: FIRST_ERA_LATIN.has(name) ? 0 : entry.era, known: true };
  const slug = slugify(name) || `legacy-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  return { slug, era: 0, known: false };
}
