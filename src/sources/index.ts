/**
 * The sources stage: which feeds an archive polls. The catalog of outlets, the archive's
 * newsvault.yaml, and the ad-hoc sources of `newsvault run --feed`.
 */
export { CATALOG, catalogSource } from './catalog.ts';
export {
  CONFIG_FILE_NAME,
  DEFAULT_GIT,
  DEFAULT_RUN,
  DEFAULT_WATCH,
  RUN_LIMITS,
  defaultConfig,
  defaultConfigYaml,
  enabledSources,
  loadConfig,
  parseConfig,
  proxyProblem,
  resolveCookiesPath,
  resolveSources,
  sourceFetchSettings,
  sourceIdentitySettings,
  type SourceIdentitySettings,
  type ArchiveConfig,
  type SourceFetchSettings,
  type GitSettings,
  type RunSettings,
  type SourceSettings,
  type WatchSettings,
} from './config.ts';
export { adHocSources, type AdHocOptions } from './adhoc.ts';
export { ConfigError, type ConfigProblem } from './errors.ts';
export { checkFeedLocation, isRemoteLocation, type LocationCheck } from './location.ts';
export { MAX_SLUG_LENGTH, SLUG_PATTERN, isValidSlug, slugify } from './slug.ts';
