/** Test helper: runs one of the proxy scripts of this folder as a child process and follows its events. */

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

export interface ProxyProcess {
  port: number;
  /** Every JSON event the process printed after it started listening. */
  events: Record<string, unknown>[];
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Starts `script` (a file name in this folder) with `args`; resolves once it listens. */
export async function startProxyProcess(script: string, args: string[] = []): Promise<ProxyProcess> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Record<string, unknown>[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 20s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (event.event === 'listening') {
        clearTimeout(timer);
        resolve(Number(event.port));
      } else {
        events.push(event);
      }
    });
  });
  return {
    port,
    events,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until `predicate` holds for the events (the child's stdout may lag the response). */
export async function eventually(events: Record<string, unknown>[], predicate: (e: Record<string, unknown>[]) => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate(events)) {
    if (Date.now() > until) throw new Error(`proxy events never matched: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
