/** `newsvault serve`: the local web reader of the archive (see docs/reader.md), until stopped (SIGINT/SIGTERM). */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { EXIT, UsageError } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface ServeCliOptions {
  archive?: string;
  port?: string;
  host?: string;
}

export function registerServe(program: Command, { io, setExitCode }: CommandContext): void {
  program
    .command('serve')
    .description('read the archive in a web browser: its pages, search, revisions and feeds, served live (read-only)')
    .addOption(archiveOption())
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on; anything but a loopback address makes the archive readable from the network', '127.0.0.1')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault serve                         # http://127.0.0.1:8080/',
          'newsvault serve --port 0                # any free port; the URL is printed',
          'newsvault serve --host 0.0.0.0          # readable from other machines too (a warning says so)',
        ],
        archive: true,
        fetches: false,
      }) +
        '\n\nThe archive is only read: serve takes no lock and writes nothing, so runs go on beside it and what they\n' +
        'archive shows on the next page load. Search needs the index (`newsvault reindex` builds it). Ctrl-C or\n' +
        'SIGTERM stops the server (exit 0).',
    )
    .action(async (opts: ServeCliOptions) => {
      const root = await resolveArchive(opts);
      const port = Number(opts.port ?? '8080');
      if (!/^\d+$/.test(opts.port ?? '8080') || !Number.isInteger(port) || port > 65_535) throw new UsageError('--port must be a whole number from 0 to 65535');
      const host = (opts.host ?? '127.0.0.1').trim();
      if (!host) throw new UsageError('--host must not be empty');
      if (!existsSync(root)) throw new UsageError(`no archive at ${root} (see --archive)`);
      const { startServer, isLoopback } = await import('../../serve/index.ts');
      if (!isLoopback(host)) {
        io.err(
          `newsvault: warning: listening on ${host}, not a loopback address: the archive is then readable from the network ` +
            '(by anyone who can reach this machine on that port); use --host 127.0.0.1 to keep it to this machine',
        );
      }
      let server;
      try {
        server = await startServer({
          root,
          host,
          port,
          onError: (err) => io.err(`newsvault: serve: ${err instanceof Error ? (process.env.NEWSVAULT_DEBUG && err.stack ? err.stack : err.message) : String(err)}`),
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is in use (try another --port, or --port 0)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UsageError(`cannot listen on ${host}: not an address of this machine`);
        if (code === 'EACCES') throw new UsageError(`not allowed to listen on port ${port} (ports below 1024 need privileges)`);
        throw err;
      }
      io.out(`Serving ${root} at ${server.url}`);
      io.err('Read-only; Ctrl-C to stop');
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          io.err(`newsvault: ${signal}: stopping the reader`);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      setExitCode(EXIT.ok);
    });
}
