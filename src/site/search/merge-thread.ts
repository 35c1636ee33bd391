/** The thread that merges the upper half of a full build's runs (runs.ts `mergeRuns`). */
import { parentPort, workerData } from 'node:worker_threads';
import { mergeHalf, type HalfJob } from './runs.ts';

const data = workerData as { kind?: unknown; job?: HalfJob } | null;
if (parentPort && data?.kind === 'merge-half' && data.job) {
  try {
    parentPort.postMessage({ ok: mergeHalf(data.job) });
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
}
