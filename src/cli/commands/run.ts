/** `newsvault run`: fetch the configured sources (or --feed ones) and archive their articles. */
import path from 'node:path';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { EXIT, UsageError } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface RunOptions {
  archive?: string;
  feed?: string[];
  only?: string[];
  concurrency?: string;
  pageConcurrency?: string;
  assets?: boolean;
  force?: boolean;
  json?: boolean;
  verbose?: boolean;
  commit?: boolean;
  push?: boolean;
}

export function registerRun(program: Command, { io, setExitCode, logging }: CommandContext): void {
  program
    .command('run')
    .description('fetch the configured sources (or --feed ones) and archive their articles')
    .addOption(archiveOption())
    .option('--feed <urlOrFile...>', 'archive these feeds instead of the configured sources')
    .option('--only <slug...>', 'run only these configured sources')
    .option('--concurrency <n>', 'sources processed at once')
    .option('--page-concurrency <n>', "article pages of one source fetched at once (default 4; the per-host politeness still holds)")
    .option('--assets', 'keep copies of article images in assets/ (config: run.assets)')
    .option('--force', 'poll sources even while they back off after failures')
    .option('--commit', "commit what the run changed to the archive's git repository (config: git.commit)")
    .option('--push', 'also push the commit, rebasing onto the remote when it moved on; never forced (config: git.push)')
    .option('--json', 'print the report as JSON (the log on stderr is JSON too)')
    .option('-v, --verbose', 'debug records too (--log-level debug)')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault run                          # every enabled source, into the archive found here',
          'newsvault run --only rfi bbc           # only these configured sources',
          'newsvault run --archive demo --feed examples/sample-feed.xml',
          'newsvault run --json > report.json     # the report as JSON; exit 3 if a source failed',
          'newsvault run --quiet                  # errors only: no progress, no information (docs/logging.md)',
          'newsvault run --commit --push          # then commit what changed and push it (docs/deploy.md)',
        ],
        archive: true,
        fetches: true,
      }),
    )
    .action(async (opts: RunOptions) => {
      const root = await resolveArchive(opts);
      const [{ adHocSources, loadConfig, resolveSources }, { loadArchiveRules }, { runArchive }, { fetchOptionsFrom, sourceFetchOptions }, { renderRunTable }] =
        await Promise.all([
          import('../../sources/index.ts'),
          import('../../extract/index.ts'),
          import('../../run/index.ts'),
          import('../fetch-options.ts'),
          import('../render.ts'),
        ]);
      const config = await loadConfig(root);
      const configured = resolveSources(config);
      let sources = configured;
      if (opts.feed?.length) {
        sources = adHocSources(
          opts.feed.map((f) => (/^https?:/i.test(f) ? f : path.resolve(f))),
          { reserved: configured.map((s) => s.slug) },
        );
      } else if (opts.only?.length) {
        const unknown = opts.only.filter((s) => !configured.some((c) => c.slug === s));
        if (unknown.length) throw new UsageError(`unknown source(s): ${unknown.join(', ')} (see \`newsvault sources\`)`);
        sources = configured.filter((s) => opts.only!.includes(s.slug)).map((s) => ({ ...s, enabled: true }));
      }
      const concurrency = opts.concurrency ? Number(opts.concurrency) : config.run.concurrency;
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a whole number ≥ 1');
      const pageConcurrency = opts.pageConcurrency === undefined ? undefined : Number(opts.pageConcurrency);
      if (pageConcurrency !== undefined && !(Number.isInteger(pageConcurrency) && pageConcurrency >= 1 && pageConcurrency <= 32)) {
        throw new UsageError('--page-concurrency must be a whole number from 1 to 32');
      }
      const { log, progress: progressOf } = await logging({ json: opts.json, verbose: opts.verbose });
      const polled = sources.filter((s) => s.enabled).length;
      log.info({ archive: root, sources: polled }, `Archiving ${polled} source(s) into ${root}`);
      // --commit / --push: checked before anything is fetched
      const git = await import('../../git/index.ts');
      const gitSettings = config.git ?? { commit: false, push: false, remote: 'origin' };
      const push = Boolean(opts.push || gitSettings.push);
      const commit = push || Boolean(opts.commit || gitSettings.commit);
      const pushTo = { remote: gitSettings.remote, ...(gitSettings.branch ? { branch: gitSettings.branch } : {}) };
      if (commit) {
        await git.checkRepository(root, { push: push ? pushTo : false }).catch((err: unknown) => {
          throw err instanceof git.GitError ? new UsageError(err.message) : err;
        });
      }
      const { rules, warnings: ruleWarnings } = await loadArchiveRules(root);
      for (const w of ruleWarnings) log.warn({}, w);
      const run = config.run;
      const progress = progressOf('items');
      // SIGINT/SIGTERM: stop at once; process.exit releases the lock, and the archive is whole at any point
      // (an article cut short is finished by the next run). A second one while stopping is ignored (a run
      // started by bin/newsvault.js gets a terminal's Ctrl-C twice: from the terminal and from the launcher)
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        progress.stop();
        log.warn({ signal }, `${signal}: stopping; the next run finishes what this one started`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      // with --commit the lock is held from the first write to the push: no other run writes while git stages,
      // commits or rebases the archive's files
      const held = commit ? await (await import('../../storage/index.ts')).openStorage(root).state.lock('newsvault run') : null;
      const report = await runArchive({
        lockHeld: held !== null,
        root,
        sources,
        known: configured,
        concurrency,
        ...(pageConcurrency ? { pageConcurrency } : {}),
        log,
        force: opts.force || Boolean(opts.only?.length) || Boolean(opts.feed?.length),
        assets: opts.assets || run.assets,
        rules,
        fetch: fetchOptionsFrom(config, concurrency),
        fetchFor: (source) => sourceFetchOptions(config, source.slug),
        onProgress: (p) => progress.update(p.source, p.done, p.total),
        onSource: (r) => {
          progress.finish(r.slug);
          const counts = [r.new ? `${r.new} new` : '', r.changed ? `${r.changed} changed` : '', r.failed ? `${r.failed} failed` : ''].filter(Boolean);
          const errors = r.errors.length ? `${r.errors.length} error(s)` : '';
          log.info(
            { source: r.slug, status: r.status, seen: r.seen, new: r.new, changed: r.changed, failed: r.failed, errors: r.errors.length, warnings: r.warnings.length, ms: r.durationMs },
            [r.status, ...counts, ...(errors ? [errors] : [])].join(', '),
          );
        },
      })
        .catch(async (err: unknown) => {
          await held?.release();
          throw err;
        })
        .finally(() => {
          progress.stop();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        });
      // the search index, from the run's events; the archive is the source of truth, so a failure is a warning
      const indexed = await import('../../index/index.ts').then(
        ({ updateIndex }) => updateIndex(root, report.events, { locked: held !== null }),
        (err: unknown) => ({ warning: `the search index could not be loaded (${err instanceof Error ? err.message : String(err)})` }),
      );
      if (indexed.warning) log.warn({}, indexed.warning);
      // git: after every write of the run; what went wrong is said, and the exit code is 6
      let gitFailed = false;
      if (commit) {
        try {
          const done = await git.commitArchive(root, { events: report.events, written: report.written, order: sources.map((s) => s.slug) });
          log.info(done.committed ? { commit: done.sha } : {}, done.committed ? `Committed ${done.sha?.slice(0, 10)}: ${done.subject}` : 'Nothing changed: no commit');
          if (push) {
            const pushed = await git.pushArchive(root, { ...pushTo, onRetry: (why) => log.warn({ remote: pushTo.remote }, why) });
            if (!pushed.upToDate) log.info({ remote: pushed.remote, branch: pushed.branch }, `Pushed to ${pushed.remote}/${pushed.branch}${pushed.rebased ? ' (rebased onto the remote first)' : ''}`);
          }
        } catch (err) {
          if (!(err instanceof git.GitError)) throw err;
          log.error({ code: EXIT.git }, err.message);
          gitFailed = true;
        } finally {
          await held?.release();
        }
      }
      if (opts.json) {
        // every change, not the items found unchanged (their count is in each source's report)
        io.out(JSON.stringify({ ...report, events: report.events.filter((e) => e.type !== 'unchanged') }, null, 2));
      } else {
        io.out(renderRunTable(report));
      }
      setExitCode(gitFailed ? EXIT.git : report.ok ? EXIT.ok : EXIT.sourcesFailed);
    });
}
