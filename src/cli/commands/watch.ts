/** `newsvault watch`: poll each source on its own interval until stopped (SIGINT/SIGTERM), archiving as `run` does. */
import path from 'node:path';
import type { Command } from 'commander';
import { archiveOption, resolveArchive } from '../archive.ts';
import { EXIT, UsageError } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { commandHelp } from '../help.ts';

interface WatchCliOptions {
  archive?: string;
  only?: string[];
  concurrency?: string;
  assets?: boolean;
  commit?: boolean;
  push?: boolean;
  site?: string;
  baseUrl?: string;
  verbose?: boolean;
}

/** `9m40s`, `2h5m`, `12s`. */
export function formatWait(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
}

export function registerWatch(program: Command, { setExitCode, logging }: CommandContext): void {
  program
    .command('watch')
    .description('keep archiving: poll each source on its own interval until stopped (Ctrl-C, SIGTERM)')
    .addOption(archiveOption())
    .option('--only <slug...>', 'watch only these configured sources')
    .option('--concurrency <n>', 'sources processed at once in a cycle')
    .option('--assets', 'keep copies of article images in assets/ (config: run.assets)')
    .option('--commit', 'commit what each cycle changed to the archive\'s git repository (config: git.commit)')
    .option('--push', 'also push each commit, rebasing onto the remote when it moved on; never forced (config: git.push)')
    .option('--site <dir>', 'keep the static reader site in <dir> (newsvault build) up to date after each cycle')
    .option('--base-url <url>', "the site's public address, for its feeds (with --site)")
    .option('-v, --verbose', 'debug records too (--log-level debug)')
    .addHelpText(
      'after',
      commandHelp({
        examples: [
          'newsvault watch                        # every enabled source, each on its own interval',
          'newsvault watch --commit --push        # and commit and push what each cycle archived',
          'newsvault watch --only rfi bbc',
          'newsvault watch --site site            # and update the static site (newsvault build) after each cycle',
        ],
        archive: true,
        fetches: true,
      }) +
        '\n\nIntervals: watch.interval, watch.minInterval, watch.maxInterval, watch.adaptive and sources.<slug>.interval in\n' +
        'newsvault.yaml (docs/deploy.md). SIGINT or SIGTERM: the item in flight is finished, its pages written, the lock\n' +
        'released, exit 0; a second signal stops at once (the next start finishes the job). One watch or run per archive.',
    )
    .action(async (opts: WatchCliOptions) => {
      const root = await resolveArchive(opts);
      const [{ loadConfig, resolveSources, DEFAULT_WATCH, DEFAULT_GIT }, { loadArchiveRules }, { watchArchive }, { checkRepository, GitError }, { fetchOptionsFrom, sourceFetchOptions }] =
        await Promise.all([
          import('../../sources/index.ts'),
          import('../../extract/index.ts'),
          import('../../watch/index.ts'),
          import('../../git/index.ts'),
          import('../fetch-options.ts'),
        ]);
      const config = await loadConfig(root);
      const configured = resolveSources(config);
      let sources = configured;
      if (opts.only?.length) {
        const unknown = opts.only.filter((s) => !configured.some((c) => c.slug === s));
        if (unknown.length) throw new UsageError(`unknown source(s): ${unknown.join(', ')} (see \`newsvault sources\`)`);
        sources = configured.filter((s) => opts.only!.includes(s.slug)).map((s) => ({ ...s, enabled: true }));
      }
      const polled = sources.filter((s) => s.enabled);
      if (polled.length === 0) throw new UsageError('no enabled source to watch (see `newsvault sources`)');
      const concurrency = opts.concurrency ? Number(opts.concurrency) : config.run.concurrency;
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a whole number ≥ 1');
      const watch = config.watch ?? DEFAULT_WATCH;
      if (watch.minInterval > watch.maxInterval) {
        throw new UsageError(`${config.file}: watch.minInterval (${watch.minInterval}) is more than watch.maxInterval (${watch.maxInterval})`);
      }
      const gitSettings = config.git ?? DEFAULT_GIT;
      const push = Boolean(opts.push || gitSettings.push);
      const commit = push || Boolean(opts.commit || gitSettings.commit);
      const pushTo = { remote: gitSettings.remote, ...(gitSettings.branch ? { branch: gitSettings.branch } : {}) };
      if (commit) {
        try {
          await checkRepository(root, { push: push ? pushTo : false });
        } catch (err) {
          if (err instanceof GitError) throw new UsageError(err.message);
          throw err;
        }
      }
      let site: { out: string; baseUrl?: string } | undefined;
      if (opts.baseUrl && !opts.site) throw new UsageError('--base-url goes with --site');
      if (opts.site) {
        const { checkOut, BuildRefusal } = await import('../../site/index.ts');
        const out = path.resolve(opts.site);
        try {
          checkOut(root, out);
        } catch (err) {
          if (err instanceof BuildRefusal) throw new UsageError(err.message);
          throw err;
        }
        if (opts.baseUrl && !/^https?:\/\//i.test(opts.baseUrl)) throw new UsageError(`--base-url ${opts.baseUrl} is no http(s) address`);
        site = { out, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}) };
      }
      const { log } = await logging({ verbose: opts.verbose, timestamps: true });
      const { rules, warnings: ruleWarnings } = await loadArchiveRules(root);
      for (const w of ruleWarnings) log.warn({}, w);

      const perSource: Record<string, number> = {};
      for (const s of config.sources) if (s.interval !== undefined) perSource[s.slug] = s.interval * 1000;
      const controller = new AbortController();
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          // a second signal: at once; process.exit releases the lock, and the archive is whole at any point
          log.warn({ signal }, `${signal} again: stopping now; the next start finishes what this one started`);
          process.exit(signal === 'SIGINT' ? 130 : 143);
        }
        log.warn({ signal }, `${signal}: stopping after the item in flight (${signal} again to stop at once)`);
        controller.abort();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      const time = (at: number) => new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
      try {
        log.info(
          { archive: root, sources: polled.length, commit, push },
          `Watching ${polled.length} source(s) in ${root}${commit ? `, committing${push ? ` and pushing to ${pushTo.remote}` : ''}` : ''}; Ctrl-C to stop`,
        );
        const result = await watchArchive({
          root,
          sources,
          known: configured,
          intervals: {
            defaultMs: watch.interval * 1000,
            minMs: watch.minInterval * 1000,
            maxMs: watch.maxInterval * 1000,
            adaptive: watch.adaptive,
            perSource,
          },
          run: {
            concurrency,
            assets: opts.assets || config.run.assets,
            rules,
            fetch: fetchOptionsFrom(config, concurrency),
            fetchFor: (source) => sourceFetchOptions(config, source.slug),
            log,
          },
          git: { commit, push: push ? pushTo : false },
          ...(site ? { site } : {}),
          signal: controller.signal,
          onStart: (next) => {
            for (const n of next) {
              log.info(
                { source: n.slug, intervalMs: n.interval.ms, firstPollAt: new Date(n.at).toISOString() },
                `every ${formatWait(n.interval.ms)} (${n.interval.how}), first poll ${n.at - Date.now() < 1000 ? 'now' : `in ${formatWait(n.at - Date.now())}`}`,
              );
            }
          },
          onRetry: (why) => log.warn({ remote: pushTo.remote }, why),
          onCycle: (c) => {
            for (const r of c.report.sources) {
              const next = c.next.find((n) => n.slug === r.slug);
              const counts = [r.new ? `${r.new} new` : '', r.changed ? `${r.changed} changed` : '', r.errors.length ? `${r.errors.length} error(s)` : ''].filter(Boolean).join(', ');
              const upcoming = next && !controller.signal.aborted ? next : undefined;
              // the errors and warnings themselves were logged as they happened, with their URLs
              log.info(
                {
                  source: r.slug,
                  status: r.status,
                  new: r.new,
                  changed: r.changed,
                  failed: r.failed,
                  errors: r.errors.length,
                  cycle: time(c.report.startedAt),
                  ...(upcoming ? { nextPollAt: new Date(upcoming.at).toISOString() } : {}),
                },
                `${r.status}${counts ? `, ${counts}` : ''}` + (upcoming ? `; next in ${formatWait(upcoming.at - Date.now())} (${upcoming.interval.how})` : ''),
              );
            }
            if (c.index?.warning) log.warn({}, c.index.warning);
            if (c.site?.warning) log.warn({ site: site?.out }, c.site.warning);
            else if (c.site?.written) log.info({ site: site?.out, pages: c.site.written }, `site: ${c.site.written} page(s) written`);
            if (c.commit?.committed) log.info({ commit: c.commit.sha }, `committed ${c.commit.sha?.slice(0, 10)}: ${c.commit.subject}`);
            if (c.push?.pushed && !c.push.upToDate) {
              log.info({ remote: c.push.remote, branch: c.push.branch }, `pushed to ${c.push.remote}/${c.push.branch}${c.push.rebased ? ' (rebased onto the remote first)' : ''}`);
            }
            for (const e of c.errors) log.error({}, e);
          },
        });
        log.info({ cycles: result.cycles }, `stopped after ${result.cycles} cycle(s); the archive is whole and unlocked`);
        setExitCode(EXIT.ok);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
