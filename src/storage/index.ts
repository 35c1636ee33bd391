/**
 * Storage: the archive (articles, revisions, manifests, pages, assets) and the local state (lock,
 * temporary files, health, extraction retries) behind two small interfaces, with their file
 * implementations; where things live in an archive folder; finding the archive from a folder inside it.
 */
export { FileArchive, FileState, openStorage } from './files.ts';
export { LockedError, acquireLock, holderAlive, type Lock, type LockHolder, type LockOptions } from './lock.ts';
export { ATTEMPTS_FILE, CONFIG_FILE, HEALTH_FILE, LOCK_FILE, LOOKUP_FILE, OPEN_DIR, PROCESSED_FILE, STATE_DIR, TMP_DIR, findArchiveRoot, isArchiveRoot } from './paths.ts';
export type { Archive, Loaded, LocalState, SourceArchive } from './types.ts';
export type { Processed, ProcessedFeed, ProcessedSource } from './processed.ts';
export { StorageError, storageFailure } from './errors.ts';
