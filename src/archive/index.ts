/** The archive stage: the on-disk format, layout, identity and per-source stores. */
export { joinLines, normaliseLink, parseArticle, renderArticle, titleForFile } from './format.ts';
export type { ArticleFields } from './format.ts';
export { articleId, canonicalUrl, contentHash } from './identity.ts';
export { articleFileName, dayDir, safeTitle, utc8Parts, MAX_DIR_ENTRIES } from './layout.ts';
export { SourceStore, compareRecords } from './store.ts';
export type { ManifestRecord, UpsertOptions, UpsertResult, UpsertStatus } from './store.ts';
export { ArchiveError, LockedError, TMP_DIR, acquireLock, clearTemp, inside, prepareRoot, readText, writeAtomic, writeIfChanged } from './fsutil.ts';
