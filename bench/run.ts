/** Runs every benchmark under bench/ in its own process (clean memory figures) and prints their tables. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url).pathname;
/** Arguments for benchmarks whose default is long: growth.ts grows an archive to 100,000 articles (about ten
 *  minutes); here its quick pass (docs/benchmarks.md gives the full command). */
const ARGS: Record<string, string[]> = { 'growth.ts': ['--articles', '20000', '--step', '5000'] };
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort()) {
  console.log(`\n## ${file}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`, ...(ARGS[file] ?? [])], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
