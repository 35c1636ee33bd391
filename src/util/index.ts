/** Helpers shared by the stages, with no knowledge of any of them. */
export { OutsideRootError, appendDurable, inside, listDir, readText, sha256, writeAtomic, writeIfChanged, writeOnce, type WriteOptions } from './fs.ts';
export { tidyParagraphs } from './text.ts';
