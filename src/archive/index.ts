/** The archive stage: the on-disk format, layout, identity, manifests, per-source stores and change events. */
export { isArchivableTime, joinLines, linkRefusal, normaliseLink, parseArticle, renderArticle, titleForFile } from './format.ts';
export type { ArticleFields } from './format.ts';
export { articleId, canonicalUrl, contentHash } from './identity.ts';
export { articleFileName, dayDir, idFromFileName, safeTitle, utc8Parts, MAX_DIR_ENTRIES } from './layout.ts';
export { manifestRecordSchema, parseManifest, serialiseRecord } from './manifest.ts';
export type { ManifestRecord, ParsedManifest, RevisionEntry } from './manifest.ts';
export { ArchiveError, SourceStore, compareRecords, itemKeys, detached } from './store.ts';
export type { ArchiveFiles, CommitOptions, ImportOptions, ItemKeys, Match, MatchedBy, Plan, UpsertResult } from './store.ts';
export { countEvents, isChange } from './events.ts';
export type { ArticleAdded, ArticleGone, ArticleRevised, ArticleUnchanged, ChangeEvent, ChangeType, ItemFailed, ItemRef } from './events.ts';
