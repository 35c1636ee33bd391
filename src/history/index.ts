/**
 * Article history and rechecks (see docs/history.md):
 *
 *   locate / loadHistory      an article's versions (revision files + current), read-only
 *   diffText / renderHistory  readable diffs of their plain text (jsdiff; by character for Chinese)
 *   recheckArchive            re-fetch recent articles' pages: unchanged, changed (a revision), gone, failed
 *   reextractArchive          re-apply the current site rules: a changed text is a revision naming the rule
 */
export { loadHistory, locate, readRecords, type History, type Located, type Version } from './versions.ts';
export { diffParagraphs, diffText, renderChanges, renderTextDiff, type Block, type TextChange } from './diff.ts';
export { formatTime, historyJson, renderHistory } from './show.ts';
export {
  isHomeOrSection,
  recheckArchive,
  reextractArchive,
  revisitArchive,
  type RevisitMode,
  type RevisitOptions,
  type RevisitReport,
  type RevisitResult,
  type RevisitStatus,
} from './recheck.ts';
export { parseSinceArg, renderRevisitTable } from './report.ts';
