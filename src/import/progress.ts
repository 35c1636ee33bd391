/** Progress of a long import on a terminal: one line, rewritten in place, at most a few times a second. */

export interface ProgressState {
  done: number;
  total: number;
  elapsedMs: number;
  /** What is being worked on (a folder). */
  label?: string;
}

const group = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/** `12,345/300,000 files (4%) · 1,234 files/s · ETA 3:57 · articles/bbc` */
export function formatProgress(p: ProgressState): string {
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const percent = p.total > 0 ? Math.floor((p.done * 100) / p.total) : 100;
  const eta = rate > 0 ? duration((p.total - p.done) / rate) : '–';
  return `${group(p.done)}/${group(p.total)} files (${percent}%) · ${group(rate)} files/s · ETA ${eta}${p.label ? ` · ${p.label}` : ''}`;
}

/** Writes formatProgress lines to a terminal (`\r`, cleared to the end of the line), throttled. */
export class ProgressLine {
  private last = -Infinity;
  private readonly started: number;
  private shown = false;

  constructor(
    private readonly write: (s: string) => void,
    private readonly clock: () => number = Date.now,
    private readonly intervalMs = 200,
  ) {
    this.started = clock();
  }

  update(done: number, total: number, label?: string, force = false): void {
    const now = this.clock();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.shown = true;
    this.write(`\r${formatProgress({ done, total, elapsedMs: now - this.started, ...(label ? { label } : {}) })}\x1b[K`);
  }

  /** Ends the line, so that what is printed next starts on its own. */
  end(): void {
    if (this.shown) this.write('\n');
    this.shown = false;
  }
}
