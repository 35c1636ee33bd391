/**
 * Politeness: one scheduler per run, shared by every fetch, so that
 *   - at most `globalConcurrency` requests are in flight in all,
 *   - at most `perHostConcurrency` to any one host (`host[:port]` of the URL),
 *   - consecutive requests to one host start at least `perHostDelayMs` apart (a request may ask for
 *     a longer delay, e.g. a source configured to be polled gently),
 *   - a host that answered 429/503 with Retry-After gets nothing before that time (`defer`).
 * Waiting requests are served first come, first served among those allowed to start; a request
 * waiting for one host never holds up another host. Waiting time is not part of any timeout.
 */

export interface PolitenessOptions {
  /** Default 8. */
  globalConcurrency?: number;
  /** Default 2. */
  perHostConcurrency?: number;
  /** Default 1 000 ms. */
  perHostDelayMs?: number;
}

export const DEFAULT_POLITENESS: Readonly<Required<PolitenessOptions>> = Object.freeze({
  globalConcurrency: 8,
  perHostConcurrency: 2,
  perHostDelayMs: 1_000,
});

export interface AcquireOptions {
  /** Minimum delay after the previous start to this host, for this request. Default: the scheduler's. */
  delayMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

interface HostState {
  active: number;
  /** When the last request to this host started (ms), or -Infinity. */
  lastStart: number;
  /** Nothing starts before this (Retry-After). */
  notBefore: number;
}

interface Waiter {
  host: string;
  delayMs: number;
  grant: (release: Release) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class Politeness {
  readonly globalConcurrency: number;
  readonly perHostConcurrency: number;
  readonly perHostDelayMs: number;
  #active = 0;
  #hosts = new Map<string, HostState>();
  #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #now: () => number;

  constructor(opts: PolitenessOptions = {}, now: () => number = Date.now) {
    this.globalConcurrency = check('globalConcurrency', opts.globalConcurrency ?? DEFAULT_POLITENESS.globalConcurrency, 1);
    this.perHostConcurrency = check('perHostConcurrency', opts.perHostConcurrency ?? DEFAULT_POLITENESS.perHostConcurrency, 1);
    this.perHostDelayMs = opts.perHostDelayMs ?? DEFAULT_POLITENESS.perHostDelayMs;
    if (!(this.perHostDelayMs >= 0)) throw new RangeError(`perHostDelayMs must be >= 0, got ${this.perHostDelayMs}`);
    this.#now = now;
  }

  /** Requests in flight. */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Waits for a slot for `host`. Rejects with the signal's reason if it aborts first. */
  acquire(host: string, opts: AcquireOptions = {}): Promise<Release> {
    const key = host.toLowerCase();
    return new Promise<Release>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      const waiter: Waiter = { host: key, delayMs: opts.delayMs ?? this.perHostDelayMs, grant: resolve, signal: opts.signal, onAbort: undefined };
      if (opts.signal) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(opts.signal!.reason);
          this.#pump();
        };
        opts.signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Runs `fn` holding a slot for `host`. */
  async run<T>(host: string, fn: () => Promise<T>, opts: AcquireOptions = {}): Promise<T> {
    const release = await this.acquire(host, opts);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Nothing starts to `host` before `until` (ms since epoch), e.g. after a Retry-After. */
  defer(host: string, until: number): void {
    const state = this.#host(host.toLowerCase());
    state.notBefore = Math.max(state.notBefore, until);
  }

  #host(key: string): HostState {
    let state = this.#hosts.get(key);
    if (state === undefined) {
      state = { active: 0, lastStart: -Infinity, notBefore: -Infinity };
      this.#hosts.set(key, state);
    }
    return state;
  }

  #pump(): void {
    const now = this.#now();
    let wakeAt = Infinity;
    for (let i = 0; i < this.#queue.length && this.#active < this.globalConcurrency; ) {
      const w = this.#queue[i]!;
      const host = this.#host(w.host);
      if (host.active >= this.perHostConcurrency) {
        i++;
        continue;
      }
      const startAt = Math.max(host.lastStart + w.delayMs, host.notBefore);
      if (startAt > now) {
        wakeAt = Math.min(wakeAt, startAt);
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      host.active++;
      host.lastStart = now;
      this.#active++;
      let released = false;
      w.grant(() => {
        if (released) return;
        released = true;
        host.active--;
        this.#active--;
        this.#pump();
      });
    }
    this.#schedule(this.#queue.length === 0 ? Infinity : wakeAt);
  }

  /** One timer, for the earliest moment a delayed waiter may start. */
  #schedule(at: number): void {
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#pump();
    }, Math.max(0, at - this.#now()));
  }
}

function check(name: string, n: number, min: number): number {
  if (!(Number.isInteger(n) && n >= min)) throw new RangeError(`${name} must be an integer >= ${min}, got ${n}`);
  return n;
}
