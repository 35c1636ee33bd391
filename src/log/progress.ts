/**
 * Progress of long work (a run over many sources, an import, a reindex), shown by the command line:
 *
 *   - on a terminal, live bars on stderr (cli-progress), one per task (a source): count, rate, ETA;
 *   - elsewhere (cron, CI, a pipe), a plain log record per task every `intervalMs` (default 10 s):
 *     `{"msg":"rfi: 120/400 items (30%), 4.2/s, ETA 1:07","source":"rfi","done":120,"total":400,…}`;
 *   - nothing with --quiet or a log level above info.
 *
 * Never both. The stages only call their `onProgress` callbacks; this turns the calls into output.
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import type { Logger } from './index.ts';

export const PROGRESS_INTERVAL_ENV = 'NEWSVAULT_PROGRESS_INTERVAL';
export const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

export interface Progress {
  /** `task` (a source, a folder) has done `done` of `total` `unit`s (total unknown: null). */
  update(task: string, done: number, total: number | null, label?: string): void;
  /** The task is over: its bar stays at its last state; no more lines for it. */
  finish(task: string): void;
  /** Ends the display (bars drawn a last time, the cursor back). Call before printing results or exiting. */
  stop(): void;
  /** While bars are drawn, a line for stderr goes above them (else it would be drawn over). */
  readonly write: ((line: string) => void) | null;
}

export interface ProgressOptions {
  mode: 'bars' | 'lines' | 'off';
  /** What is counted: "items", "files", "articles". */
  unit: string;
  /** Records for the lines mode. */
  log: Logger;
  /** The terminal, for bars. */
  stream?: NodeJS.WriteStream;
  /** Lines mode: the record's field naming the task (default `source`). */
  taskField?: string;
  /** Lines mode: at most one record per task this often (0: every update). */
  intervalMs?: number;
  now?: () => number;
}

/** The period of progress lines: $NEWSVAULT_PROGRESS_INTERVAL (milliseconds), else 10 s. */
export function progressInterval(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[PROGRESS_INTERVAL_ENV];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_PROGRESS_INTERVAL_MS;
}

const group = (n: number) => Math.round(n).toLocaleString('en-US');

/** `1:07`, `2:03:04`, or `–` when it cannot be told. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

export interface ProgressFigures {
  done: number;
  total: number | null;
  /** Per second since the task started. */
  rate: number;
  /** Seconds left at that rate; null when the total is unknown or nothing is done yet. */
  etaSeconds: number | null;
}

export function figures(done: number, total: number | null, elapsedMs: number): ProgressFigures {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const etaSeconds = total !== null && rate > 0 ? Math.max(0, (total - done) / rate) : null;
  return { done, total, rate, etaSeconds };
}

/** `120/400 items (30%), 4.2/s, ETA 1:07` (total unknown: `120 articles, 4.2/s`). */
export function describeProgress(f: ProgressFigures, unit: string): string {
  const rate = f.rate >= 10 ? group(f.rate) : f.rate.toFixed(1);
  if (f.total === null) return `${group(f.done)} ${unit}, ${rate}/s`;
  const percent = f.total > 0 ? Math.floor((f.done * 100) / f.total) : 100;
  return `${group(f.done)}/${group(f.total)} ${unit} (${percent}%), ${rate}/s, ETA ${f.etaSeconds === null ? '–' : duration(f.etaSeconds)}`;
}

interface Task {
  started: number;
  lastLine: number;
  finished: boolean;
  bar?: CliProgress.SingleBar;
}

const requireCjs = createRequire(import.meta.url);

export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  const tasks = new Map<string, Task>();
  const task = (name: string) => {
    let t = tasks.get(name);
    if (!t) {
      t = { started: now(), lastLine: now(), finished: false };
      tasks.set(name, t);
    }
    return t;
  };
  if (opts.mode === 'off') return { update: () => {}, finish: () => {}, stop: () => {}, write: null };
  if (opts.mode === 'lines') {
    return {
      update(name, done, total, label) {
        const t = task(name);
        if (t.finished) return;
        const at = now();
        if (at - t.lastLine < interval) return;
        t.lastLine = at;
        const f = figures(done, total, at - t.started);
        const rate = Math.round(f.rate * 100) / 100;
        const eta = f.etaSeconds === null ? {} : { etaSeconds: Math.round(f.etaSeconds) };
        opts.log.info(
          { progress: true, [opts.taskField ?? 'source']: name, done, ...(total === null ? {} : { total }), rate, ...eta, ...(label ? { label } : {}) },
          `${describeProgress(f, opts.unit)}${label ? ` · ${label}` : ''}`,
        );
      },
      finish(name) {
        task(name).finished = true;
      },
      stop() {},
      write: null,
    };
  }
  // bars on the terminal
  const cliProgress = requireCjs('cli-progress') as typeof CliProgress;
  const multi = new cliProgress.MultiBar(
    {
      stream: opts.stream ?? process.stderr,
      format: ` {task} [{bar}] {amount} {unit} | {speed}/s | ETA {eta_left}{label}`,
      barsize: 24,
      // a command stopped by a signal it does not handle (reindex) must not leave the cursor hidden
      hideCursor: false,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      fps: 5,
      // our own SIGINT/SIGTERM handlers call stop()
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let stopped = false;
  const width = () => Math.max(4, ...[...tasks.keys()].map((k) => k.length));
  const payload = (name: string, t: Task, done: number, total: number | null, label?: string) => {
    const f = figures(done, total, now() - t.started);
    return {
      task: name.padEnd(width()),
      unit: opts.unit,
      amount: total === null ? group(done) : `${group(done)}/${group(total)}`,
      speed: f.rate >= 10 ? group(f.rate) : f.rate.toFixed(1),
      eta_left: f.etaSeconds === null ? '–' : duration(f.etaSeconds),
      label: label ? ` | ${label}` : '',
    };
  };
  return {
    update(name, done, total, label) {
      if (stopped) return;
      const t = task(name);
      if (t.finished) return;
      // total unknown: a bar that stays empty, with the count beside it
      const barTotal = total ?? 0;
      if (!t.bar) t.bar = multi.create(barTotal, done, payload(name, t, done, total, label));
      else {
        t.bar.setTotal(barTotal);
        t.bar.update(done, payload(name, t, done, total, label));
      }
    },
    finish(name) {
      task(name).finished = true;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      // lines given to log() wait for the next redraw: drawn now, then the bars a last time
      if (multi.isActive) multi.update();
      multi.stop();
    },
    get write() {
      // no bar drawn yet: nothing to draw over, and log() would keep the line until a redraw that never comes
      return stopped || !multi.isActive ? null : (line: string) => multi.log(line.endsWith('\n') ? line : `${line}\n`);
    },
  };
}
