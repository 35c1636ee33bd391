/** Runs every benchmark under bench/ in its own process (clean memory figures) and prints their tables. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url).pathname;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort()) {
  console.log(`\n## ${file}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
