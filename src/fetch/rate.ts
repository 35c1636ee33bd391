/**
 * The minimum transfer rate: bytes received in the last `windowMs`, checked once `graceMs` have
 * passed since the body started. A server that drips a byte a second, or stops mid-body, falls
 * below it and is cut off; a slow start (TCP slow start, a proxy warming up) is forgiven.
 */

export interface RateLimits {
  minBytesPerSecond: number;
  windowMs: number;
  /** At least windowMs. */
  graceMs: number;
}

export class TransferRate {
  readonly #limits: RateLimits;
  readonly #start: number;
  /** [time, bytes] of recent chunks, oldest first, none older than the window. */
  #samples: [number, number][] = [];
  #inWindow = 0;

  constructor(limits: RateLimits, start: number) {
    this.#limits = { ...limits, graceMs: Math.max(limits.graceMs, limits.windowMs) };
    this.#start = start;
  }

  add(bytes: number, now: number): void {
    this.#samples.push([now, bytes]);
    this.#inWindow += bytes;
    this.#prune(now);
  }

  /** The observed rate (bytes/s over the window) when it is below the minimum, else null. */
  tooSlow(now: number): number | null {
    const { minBytesPerSecond, windowMs, graceMs } = this.#limits;
    if (minBytesPerSecond <= 0 || now - this.#start < graceMs) return null;
    this.#prune(now);
    const rate = this.#inWindow / (windowMs / 1000);
    return rate < minBytesPerSecond ? rate : null;
  }

  #prune(now: number): void {
    const from = now - this.#limits.windowMs;
    while (this.#samples.length > 0 && this.#samples[0]![0] <= from) {
      this.#inWindow -= this.#samples.shift()![1];
    }
  }
}

/** "12 bytes/s", "1.5 KiB/s". */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1024) return `${Math.round((bytesPerSecond / 1024) * 10) / 10} KiB/s`;
  return `${Math.round(bytesPerSecond)} bytes/s`;
}
