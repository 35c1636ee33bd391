/**
 * The site build's page thread: `buildSite` (build.ts) runs `buildSiteHere` on a thread of its own so that its
 * heap can be capped (a process's main heap cannot be, once started). Progress and the report come back as
 * messages; an error keeps its name (BuildRefusal), message and code (a thread out of memory).
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { ChangeEvent } from '../archive/index.ts';
import { BuildRefusal, type BuildOptions, type BuildReport, type HeapCaps } from './build.ts';
import { startThread } from './thread.ts';

interface Job {
  kind: 'site-build';
  root: string;
  opts: Omit<BuildOptions, 'onProgress' | 'events'> & { events?: readonly ChangeEvent[] };
  searchHeapMb: number | null;
}

type FromThread =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; report: BuildReport }
  | { type: 'error'; name: string; message: string; code?: string; stack?: string };

/** Runs buildSiteHere on a new thread, its heap capped at `caps.pages`. */
export function buildOnThread(root: string, opts: BuildOptions, caps: HeapCaps): Promise<BuildReport> {
  const { onProgress, ...rest } = opts;
  const job: Job = { kind: 'site-build', root: path.resolve(root), opts: rest, searchHeapMb: caps.search };
  const worker = startThread(import.meta.url, job, caps.pages);
  return new Promise<BuildReport>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      // its work is done or failed: nothing of it may keep the process alive
      void worker.terminate();
    };
    worker.on('message', (m: FromThread) => {
      if (m.type === 'progress') onProgress?.(m.done, m.total);
      else if (m.type === 'done') settle(() => resolve(m.report));
      else {
        const err = m.name === 'BuildRefusal' ? new BuildRefusal(m.message) : Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
        if (m.stack && !(err instanceof BuildRefusal)) err.stack = m.stack;
        settle(() => reject(err));
      }
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the site build's thread stopped (exit code ${code})`))));
  });
}

async function runThread(job: Job): Promise<void> {
  const port = parentPort!;
  try {
    // the rendering's modules, loaded on this thread only
    const { buildSiteHere } = await import('./build-pages.ts');
    const report = await buildSiteHere(job.root, { ...job.opts, onProgress: (done, total) => port.postMessage({ type: 'progress', done, total } satisfies FromThread) }, job.searchHeapMb);
    port.postMessage({ type: 'done', report } satisfies FromThread);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as NodeJS.ErrnoException).code;
    port.postMessage({ type: 'error', name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}), ...(e.stack ? { stack: e.stack } : {}) } satisfies FromThread);
  }
}

if (parentPort && (workerData as Partial<Job> | null)?.kind === 'site-build') void runThread(workerData as Job);
