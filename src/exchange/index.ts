/**
 * The exchange stage: what an archive shares with other tools. OPML 2.0 for its sources (feed readers),
 * JSON Lines for its articles (research). Nothing here fetches.
 */
export { OpmlError, addSourcesToConfig, parseOpml, renderOpml, type AddSourcesResult, type AddedSource, type OpmlFeed, type RenderOpmlResult } from './opml.ts';
export { exportArticle, exportJsonl, parseSince, type ExportOptions, type ExportRevision, type ExportSummary, type ExportedArticle } from './jsonl.ts';
