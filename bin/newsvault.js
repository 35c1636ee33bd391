#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`; `npm ci` and `npm pack` build it). Plain node.
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
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
