/**
 * The `newsvault` command line. Every command takes --archive DIR; the default is the current folder
 * when it holds a newsvault.yaml, else ./archive.
 *
 * Exit codes: 0 success; 1 unexpected internal error; 2 bad usage or invalid config (nothing fetched
 * or written); 3 the run completed but one or more sources (or items) failed; 4 another run holds the archive.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import Table from 'cli-table3';
import { LockedError } from '../archive/index.ts';
import { FeedParseError, parseFeed } from '../parse/index.ts';
import { FetchError, Politeness, describeError, fetchResource } from '../fetch/index.ts';
import type { FetchOptions } from '../fetch/index.ts';
import { ExtractError, extractCommand, loadArchiveRules } from '../extract/index.ts';
import { loadState, renderStatusTable, statusJson } from '../health/index.ts';
import { runArchive } from '../run/index.ts';
import type { RunReport } from '../run/index.ts';
import { CATALOG, ConfigError, adHocSources, defaultConfigYaml, loadConfig, resolveSources, sourceFetchSettings } from '../sources/index.ts';
import type { ArchiveConfig } from '../sources/index.ts';

export const EXIT = { ok: 0, internal: 1, usage: 2, sourcesFailed: 3, locked: 4 } as const;

class UsageError extends Error {}

/** The archive's fetch settings (timeouts, caps, retries, proxy, politeness) as fetch options. */
export function fetchOptionsFrom(config: ArchiveConfig, concurrency = config.run.concurrency): FetchOptions {
  const run = config.run;
  return {
    timeoutMs: run.timeoutSeconds * 1000,
    maxBytes: run.maxFeedBytes,
    connectTimeoutMs: run.connectTimeoutSeconds * 1000,
    minBytesPerSecond: run.minBytesPerSecond,
    retry: { retries: run.retries },
    ...(run.proxy ? { proxy: run.proxy } : {}),
    politeness: new Politeness({
      globalConcurrency: Math.max(8, concurrency * 2),
      perHostConcurrency: run.perHostConcurrency,
      perHostDelayMs: run.perHostDelayMs,
    }),
  };
}

export function defaultArchive(cwd = process.cwd()): string {
  return existsSync(path.join(cwd, 'newsvault.yaml')) ? cwd : path.join(cwd, 'archive');
}

/** The archive a command works on: --archive, else the default. */
function archiveRoot(opts: { archive?: string }): string {
  return path.resolve(opts.archive ?? defaultArchive());
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
};

function oneLine(s: string, max = 90): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderRunTable(report: RunReport): string {
  const table = new Table({
    head: ['source', 'status', 'seen', 'new', 'changed', 'failed', 'error'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, 60] as unknown as number[],
  });
  for (const r of report.sources) {
    table.push([r.slug, r.status, r.seen, r.new, r.changed, r.failed, r.errors.map((e) => oneLine(e, 200)).join('\n')]);
  }
  const failed = report.sources.filter((r) => r.status !== 'ok').length;
  const warnings = report.sources.reduce((n, r) => n + r.warnings.length, 0);
  return `${table.toString()}\n${report.sources.length} source(s), ${failed} with errors, ${warnings} warning(s), ${(report.durationMs / 1000).toFixed(1)}s. Archive: ${report.archive}`;
}


export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command();
  program
    .name('newsvault')
    .description('Archive Chinese-language international news feeds in full text, in a plain-file git archive.')
    .version(JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')).version)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  const archiveOption = () => new Option('--archive <dir>', 'archive folder (default: current folder if it has newsvault.yaml, else ./archive)');

  program
    .command('run')
    .description('fetch the configured sources (or --feed ones) and archive their articles')
    .addOption(archiveOption())
    .option('--feed <urlOrFile...>', 'archive these feeds instead of the configured sources')
    .option('--only <slug...>', 'run only these configured sources')
    .option('--concurrency <n>', 'sources processed at once')
    .option('--assets', 'keep copies of article images in assets/ (config: run.assets)')
    .option('--force', 'poll sources even while they back off after failures')
    .option('--json', 'print the report as JSON')
    .option('-v, --verbose', 'print every warning')
    .action(async (opts: { archive?: string; feed?: string[]; only?: string[]; concurrency?: string; assets?: boolean; force?: boolean; json?: boolean; verbose?: boolean }) => {
      const root = archiveRoot(opts);
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
      if (!opts.json) io.err(`Archiving ${sources.filter((s) => s.enabled).length} source(s) into ${root}`);
      const { rules, warnings: ruleWarnings } = await loadArchiveRules(root);
      for (const w of ruleWarnings) io.err(`newsvault: ${w}`);
      const run = config.run;
      const report = await runArchive({
        root,
        sources,
        known: configured,
        concurrency,
        force: opts.force || Boolean(opts.only?.length) || Boolean(opts.feed?.length),
        assets: opts.assets || run.assets,
        rules,
        fetch: fetchOptionsFrom(config, concurrency),
        fetchFor: (source) => {
          const own = sourceFetchSettings(config, source.slug);
          return { perHostDelayMs: own.perHostDelayMs, ...(own.proxy ? { proxy: own.proxy } : {}) };
        },
        onSource: opts.json ? undefined : (r) => io.err(`  ${r.slug}: ${r.status}${r.new ? `, ${r.new} new` : ''}${r.errors[0] ? ` — ${oneLine(r.errors[0])}` : ''}`),
      });
      if (opts.json) {
        io.out(JSON.stringify(report, null, 2));
      } else {
        io.out(renderRunTable(report));
        if (opts.verbose) for (const r of report.sources) for (const w of r.warnings) io.out(`warning: ${r.slug}: ${w}`);
      }
      exitCode = report.ok ? EXIT.ok : EXIT.sourcesFailed;
    });

  program
    .command('init')
    .description('create a new archive folder: newsvault.yaml, README.md, .gitignore')
    .argument('[dir]', 'folder to create (default: ./archive)')
    .addOption(archiveOption())
    .action(async (dir: string | undefined, opts: { archive?: string }) => {
      if (dir && opts.archive && path.resolve(dir) !== path.resolve(opts.archive)) throw new UsageError('give the folder once: as an argument or with --archive');
      const root = path.resolve(dir ?? opts.archive ?? 'archive');
      await fs.mkdir(root, { recursive: true });
      const configPath = path.join(root, 'newsvault.yaml');
      if (existsSync(configPath)) throw new UsageError(`${configPath} already exists; nothing changed`);
      await fs.writeFile(configPath, defaultConfigYaml(), { flag: 'wx' });
      await fs.writeFile(path.join(root, '.gitignore'), '# local state of a running newsvault, never committed\n.newsvault/\n', { flag: 'w' });
      if (!existsSync(path.join(root, 'README.md'))) {
        await fs.writeFile(path.join(root, 'README.md'), '# 新闻存档 · News archive\n\nNo article yet: run `npx newsvault run` here.\n');
      }
      io.out(`Created ${root}: edit newsvault.yaml, then run \`newsvault run --archive ${path.relative(process.cwd(), root) || '.'}\`.`);
    });

  program
    .command('sources')
    .description('list the built-in catalog and the configured sources')
    .addOption(archiveOption())
    .option('--json', 'print as JSON')
    .action(async (opts: { archive?: string; json?: boolean }) => {
      const root = archiveRoot(opts);
      const sources = resolveSources(await loadConfig(root));
      if (opts.json) {
        io.out(JSON.stringify({ catalog: CATALOG, configured: sources }, null, 2));
        return;
      }
      const table = new Table({ head: ['slug', 'name', 'enabled', 'feeds / note'], style: { head: [], border: [] } });
      for (const s of sources) table.push([s.slug, s.name, s.enabled ? 'yes' : 'no', [...s.feeds, ...(s.note ? [s.note] : [])].join('\n')]);
      io.out(table.toString());
    });

  program
    .command('status')
    .description("each source's health: last success, last attempt, failures, last error, backoff")
    .addOption(archiveOption())
    .option('--json', 'print as JSON')
    .action(async (opts: { archive?: string; json?: boolean }) => {
      const root = archiveRoot(opts);
      const sources = resolveSources(await loadConfig(root));
      const { state, warning } = await loadState(root);
      if (warning) io.err(`newsvault: ${warning}`);
      const now = Date.now();
      io.out(opts.json ? JSON.stringify(statusJson(state, sources, now), null, 2) : renderStatusTable(state, sources, now));
    });

  program
    .command('extract')
    .description('fetch one article page (URL or file) and show what would be archived')
    .argument('<urlOrFile>')
    .addOption(archiveOption())
    .option('--json', 'print {title, byline, published, lang, contentHtml, text, leadImage, rule} as JSON')
    .action(async (location: string, opts: { archive?: string; json?: boolean }) => {
      const root = archiveRoot(opts);
      const config = await loadConfig(root);
      io.out(await extractCommand(location, { json: opts.json, archive: root, fetch: fetchOptionsFrom(config) }));
    });

  program
    .command('inspect')
    .description('parse one feed (URL or file) and show what Newsvault sees')
    .argument('<urlOrFile>')
    .addOption(archiveOption())
    .option('--json', 'print the normalised feed as JSON (docs/feed-json.md)')
    .action(async (location: string, opts: { archive?: string; json?: boolean }) => {
      // the archive's settings (proxy, timeouts) apply when there is one
      const config = await loadConfig(archiveRoot(opts));
      const resource = await fetchResource(/^https?:/i.test(location) ? location : path.resolve(location), fetchOptionsFrom(config));
      const feed = await parseFeed(resource.body, { url: resource.url, contentType: resource.contentType });
      const shape = {
        title: feed.title,
        link: feed.link,
        language: feed.language,
        format: feed.format,
        items: feed.items,
        warnings: feed.warnings,
      };
      if (opts.json) {
        io.out(JSON.stringify(shape, null, 2));
        return;
      }
      io.out(`${feed.format.toUpperCase()} feed: ${feed.title ?? '(no title)'} — ${feed.items.length} item(s)`);
      for (const item of feed.items) {
        const when = item.published != null ? new Date(item.published).toISOString() : 'no date';
        io.out(`- ${when}  ${oneLine(item.title || '(no title)', 60)}  ${item.link ?? ''}  [${(item.content ?? '').length} chars]`);
      }
      for (const w of feed.warnings) io.out(`warning: ${w}`);
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError || err instanceof UsageError) {
      io.err(`newsvault: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof FetchError || err instanceof FeedParseError || err instanceof ExtractError) {
      // inspect (and the like) on one feed that cannot be read: the same code as a failed source
      io.err(`newsvault: ${describeError(err)}`);
      return EXIT.sourcesFailed;
    }
    if (err instanceof LockedError) {
      io.err(`newsvault: ${err.message}`);
      return EXIT.locked;
    }
    io.err(`newsvault: ${describeError(err)}`);
    if (process.env.NEWSVAULT_DEBUG) io.err(String((err as Error).stack));
    return EXIT.internal;
  }
}
