#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`; `npm ci` and `npm pack` build it). Plain node.
// `run` goes on a process of its own started with V8 heap flags (src/cli/launch.ts): this one then only
// forwards signals and ends as the run does, having loaded nothing else.
let cli;
try {
  const { relaunchIfNeeded } = await import('../dist/cli/launch.js');
  await relaunchIfNeeded(process.argv);
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && /dist\/cli\/(main|launch)\.js/.test(String(err.message))) {
    process.stderr.write('newsvault: dist/ is missing; run `npm run build` (or `npm ci`) first\n');
    process.exit(1);
  }
  throw err;
}
// output piped into a reader that stopped reading (`newsvault inspect … | head`): stop quietly
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await cli.main(process.argv);
