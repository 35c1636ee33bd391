/** Errors of the extraction stage: one class with a machine-readable code and a one-line message. */

export type ExtractErrorCode =
  /** The resource is not an HTML page (a PDF, an image, a feed, binary data, …). */
  | 'not-html'
  /** The page holds no article text. */
  | 'no-content'
  /** The page is larger than the extractor accepts. */
  | 'too-large';

export class ExtractError extends Error {
  override readonly name = 'ExtractError';
  readonly code: ExtractErrorCode;
  /** What went wrong, without the URL. */
  readonly reason: string;
  readonly url: string | undefined;

  constructor(code: ExtractErrorCode, reason: string, url?: string) {
    super(url ? `${url}: ${reason}` : reason);
    this.code = code;
    this.reason = reason;
    this.url = url;
  }
}
