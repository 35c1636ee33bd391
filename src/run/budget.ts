/**
 * How many feeds a run holds parsed at once, counted by the bytes of their bodies: sources fetch
 * concurrently, but a feed is parsed only when its bytes fit beside those of the feeds being archived
 * (one always fits), and counts until its items are committed. A run's peak memory then follows the
 * largest feeds, not how many sources run at once; the work is on one thread either way.
 */
export class FeedBudget {
  private used = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** Waits until `bytes` fit (at once when nothing is held; in the order asked), and returns the release. */
  async acquire(bytes: number): Promise<() => void> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.used += bytes;
    else await new Promise<void>((start) => this.waiting.push({ bytes, start }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.drain();
    };
  }

  /** Bytes held now. */
  get held(): number {
    return this.used;
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.start();
    }
  }
}
