/**
 * Git, with the real git: `run --commit` writes one commit saying what changed and none when nothing did;
 * `--push` pushes, and a push the remote rejected (a second clone pushed in between) is rebased and pushed
 * again; a real conflict stops with the local commits kept, nothing forced. Against a bare repository on
 * disk. Also `init --github-actions` (a valid workflow whose commands are the CLI's) and the .gitignore merge.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { main } from '../src/cli/main.ts';
import type { CommandContext } from '../src/cli/context.ts';
import { registerInit } from '../src/cli/commands/init.ts';
import { registerRun } from '../src/cli/commands/run.ts';
import { registerWatch } from '../src/cli/commands/watch.ts';
import { GitConflictError, commitArchive, pushArchive } from '../src/git/index.ts';
import { tempDir } from '../src/testing/tree.ts';

/** git in `cwd`; throws on failure; its stdout. */
function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'core.quotePath=false', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  // a git of our own: no user or system configuration (signing, hooks, templates) gets in
  const home = await tempDir();
  const config = path.join(home, 'gitconfig');
  await fs.writeFile(config, '[user]\n\tname = Test\n\temail = test@example.org\n[init]\n\tdefaultBranch = main\n');
  process.env.GIT_CONFIG_GLOBAL = config;
  process.env.GIT_CONFIG_NOSYSTEM = '1';
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err, text: () => [...out, ...err].join('\n') };
}

const body = (i: number, version = 1) => `<p>${`第${i}篇文章的正文，第${version}版。`.repeat(20)}</p>`;

/** An RSS feed of the items `[i, version]`. */
function rss(items: Array<[number, number?]>, host = 'a.example'): string {
  const entries = items.map(
    ([i, v]) =>
      `<item><guid>https://${host}/${i}</guid><title>文章${i}${v && v > 1 ? `（更新${v}）` : ''}</title><link>https://${host}/${i}</link>` +
      `<pubDate>${new Date(Date.UTC(2024, 0, 1, 8, i)).toUTCString()}</pubDate><description><![CDATA[${body(i, v)}]]></description></item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${host}</title>${entries.join('')}</channel></rss>`;
}

const CONFIG = 'sources:\n  alpha: { name: Alpha, feed: feeds/alpha.xml, fullText: never }\n  beta: { name: Beta, feed: feeds/beta.xml, fullText: never }\n';

/** A git repository holding an archive (config and feeds committed), its feeds in feeds/. */
async function archiveRepo(dir?: string): Promise<string> {
  const root = dir ?? (await tempDir());
  if (!dir) git(root, 'init', '-q');
  await fs.mkdir(path.join(root, 'feeds'), { recursive: true });
  await fs.writeFile(path.join(root, 'newsvault.yaml'), CONFIG);
  await fs.writeFile(path.join(root, 'feeds', 'alpha.xml'), rss([[1], [2], [3]], 'a.example'));
  await fs.writeFile(path.join(root, 'feeds', 'beta.xml'), rss([[1], [2]], 'b.example'));
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'setup');
  return root;
}

const run = (root: string, ...flags: string[]) => {
  const c = capture();
  return main(['node', 'newsvault', 'run', '--archive', root, '--only', 'alpha', 'beta', ...flags], c.io).then((code) => ({ code, ...c }));
};

const subject = (root: string, rev = 'HEAD') => git(root, 'log', '-1', '--format=%s', rev).trim();
const count = (root: string, rev = 'HEAD') => Number(git(root, 'rev-list', '--count', rev).trim());

test('run --commit: one commit saying what changed, only the archive\'s files; nothing changed, no commit and exit 0', async () => {
  const root = await archiveRepo();
  // the user's own work in progress: staged and unstaged, never swept into the archive's commit
  await fs.writeFile(path.join(root, 'newsvault.yaml'), `${CONFIG}# my edit\n`);
  git(root, 'add', 'newsvault.yaml');
  await fs.writeFile(path.join(root, 'notes.txt'), 'mine\n');

  const first = await run(root, '--commit');
  assert.equal(first.code, 0, first.text());
  assert.equal(subject(root), 'archive: 5 new (alpha 3, beta 2)');
  const message = git(root, 'log', '-1', '--format=%B');
  assert.match(message, /^\+ alpha: 文章1$/m);
  assert.match(first.text(), /Committed [0-9a-f]{10}: archive: 5 new/);
  assert.equal(existsSync(path.join(root, '.newsvault', 'lock')), false, 'the lock, held through the commit, is released');
  const files = git(root, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n');
  assert.ok(files.includes('README.md') && files.includes('lists/alpha.md') && files.includes('articles/alpha/index.jsonl'), files.join(' '));
  assert.equal(files.filter((f) => f.endsWith('.md') && f.startsWith('articles/')).length, 5);
  assert.ok(!files.some((f) => f.startsWith('.newsvault') || f === 'newsvault.yaml' || f === 'notes.txt'), 'state and the user\'s files stay out');
  assert.match(git(root, 'status', '--porcelain'), /^M {2}newsvault\.yaml$/m, 'the user\'s staged edit is still staged, uncommitted');
  assert.match(git(root, 'status', '--porcelain'), /^\?\? notes\.txt$/m);
  assert.doesNotMatch(git(root, 'status', '--porcelain', '--', 'articles', 'lists', 'README.md'), /./, 'everything the run wrote is committed');

  // the same feeds again: nothing changed, no commit, exit 0
  const commits = count(root);
  const again = await run(root, '--commit');
  assert.equal(again.code, 0, again.text());
  assert.equal(count(root), commits);
  assert.match(again.text(), /Nothing changed: no commit/);

  // one new article and one edited: said so
  await fs.writeFile(path.join(root, 'feeds', 'alpha.xml'), rss([[1], [2, 2], [3], [4]], 'a.example'));
  const third = await run(root, '--commit');
  assert.equal(third.code, 0, third.text());
  assert.equal(subject(root), 'archive: 1 new, 1 changed (alpha 2)');
  assert.match(git(root, 'log', '-1', '--format=%B'), /^~ alpha: 文章2（更新2）$/m);
  assert.ok(git(root, 'show', '--name-only', '--format=', 'HEAD').includes('revisions/alpha/'), 'the earlier version is committed too');
});

test('git.commit in newsvault.yaml commits as --commit does; an archive outside git is refused before anything is fetched', async () => {
  const root = await archiveRepo();
  await fs.writeFile(path.join(root, 'newsvault.yaml'), `${CONFIG}git:\n  commit: true\n`);
  const r = await run(root);
  assert.equal(r.code, 0, r.text());
  assert.equal(subject(root), 'archive: 5 new (alpha 3, beta 2)');

  const plain = await tempDir();
  await fs.writeFile(path.join(plain, 'newsvault.yaml'), CONFIG);
  const refused = await run(plain, '--commit');
  assert.equal(refused.code, 2);
  assert.match(refused.text(), /is not in a git repository: run `git init`/);
  assert.equal(existsSync(path.join(plain, 'articles')), false, 'nothing fetched or written');
  const noRemote = await run(root, '--push');
  assert.equal(noRemote.code, 2);
  assert.match(noRemote.text(), /no remote \\?"origin\\?"/, 'the message, in the log (a JSON record here: the quotes escaped)');
});

test('a crash between a run\'s writes and its commit: the next commit takes what it left, and says so', async () => {
  const root = await archiveRepo();
  assert.equal((await run(root)).code, 0); // archived, not committed: as if killed before the commit (5 articles, 2 manifests)
  await fs.writeFile(path.join(root, 'feeds', 'beta.xml'), rss([[1], [2], [3]], 'b.example'));
  const r = await run(root, '--commit');
  assert.equal(r.code, 0, r.text());
  assert.equal(subject(root), 'archive: 1 new (beta 1)');
  assert.match(git(root, 'log', '-1', '--format=%B'), /Also 6 files left by an earlier run/);
  assert.doesNotMatch(git(root, 'status', '--porcelain', '--', 'articles', 'lists', 'README.md'), /./);
});

/** A bare remote, the archive cloned from it (A), and a second clone (B) that pushes in between. */
async function remoteSetup(): Promise<{ remote: string; a: string; b: string }> {
  const work = await tempDir();
  const remote = path.join(work, 'remote.git');
  git(work, 'init', '-q', '--bare', remote);
  const seed = path.join(work, 'seed');
  git(work, 'clone', '-q', remote, seed);
  await archiveRepo(seed);
  git(seed, 'push', '-q', 'origin', 'HEAD:main');
  const a = path.join(work, 'a');
  const b = path.join(work, 'b');
  git(work, 'clone', '-q', remote, a);
  git(work, 'clone', '-q', remote, b);
  return { remote, a, b };
}

test('--push: pushed; a push the remote rejects (a second clone pushed meanwhile) is rebased onto it and pushed, never forced', async () => {
  const { remote, a, b } = await remoteSetup();
  const first = await run(a, '--push');
  assert.equal(first.code, 0, first.text());
  assert.equal(subject(remote, 'main'), 'archive: 5 new (alpha 3, beta 2)');

  // another writer pushes in between: a file of its own, and new settings
  git(b, 'pull', '-q', '--rebase');
  await fs.writeFile(path.join(b, 'NOTES.md'), '# notes\n');
  await fs.writeFile(path.join(b, 'newsvault.yaml'), `${CONFIG}run:\n  retries: 1\n`);
  git(b, 'add', '-A');
  git(b, 'commit', '-q', '-m', 'notes from elsewhere');
  git(b, 'push', '-q', 'origin', 'HEAD:main');
  const theirs = git(b, 'rev-parse', 'HEAD').trim();

  await fs.writeFile(path.join(a, 'feeds', 'beta.xml'), rss([[1], [2], [3], [4]], 'b.example'));
  const second = await run(a, '--push');
  assert.equal(second.code, 0, second.text());
  assert.match(second.text(), /rejected/);
  assert.match(second.text(), /Pushed to origin\/main \(rebased onto the remote first\)/);
  assert.equal(subject(remote, 'main'), 'archive: 2 new (beta 2)');
  assert.equal(git(remote, 'rev-parse', 'main~1').trim(), theirs, 'the other writer\'s commit is kept, ours on top: no force');
  assert.equal(git(a, 'rev-parse', 'HEAD').trim(), git(remote, 'rev-parse', 'main').trim());
  assert.ok(existsSync(path.join(a, 'NOTES.md')), 'the archive has the other writer\'s files now');
  assert.equal(git(a, 'status', '--porcelain', '--', 'articles', 'lists', 'README.md'), '');
});

test('a rejected push whose rebase conflicts: stopped, the local commits kept, the remote untouched, said so (exit 6)', async () => {
  const { remote, a, b } = await remoteSetup();
  assert.equal((await run(a, '--push')).code, 0);
  // the other writer edits the front page the archive rewrites
  git(b, 'pull', '-q', '--rebase');
  await fs.writeFile(path.join(b, 'README.md'), '# 我的存档\n\nhand-written\n');
  git(b, 'commit', '-q', '-am', 'a front page of my own');
  git(b, 'push', '-q', 'origin', 'HEAD:main');
  const theirs = git(remote, 'rev-parse', 'main').trim();

  await fs.writeFile(path.join(a, 'feeds', 'alpha.xml'), rss([[1], [2], [3], [4]], 'a.example'));
  const r = await run(a, '--push');
  assert.equal(r.code, 6, r.text());
  assert.match(r.text(), /conflict in README\.md/);
  assert.match(r.text(), /local commits are kept/);
  assert.match(r.text(), /never force-push/);
  assert.equal(git(remote, 'rev-parse', 'main').trim(), theirs, 'the remote is as the other writer left it');
  assert.equal(subject(a), 'archive: 1 new (alpha 1)', 'the local commit is kept');
  assert.equal(existsSync(path.join(a, '.git', 'rebase-merge')) || existsSync(path.join(a, '.git', 'rebase-apply')), false, 'no rebase left half-done');
  assert.equal(git(a, 'status', '--porcelain', '--', 'articles', 'lists', 'README.md'), '');
});

test('pushArchive retries a push that failed for another reason (the remote unreachable), then succeeds', async () => {
  const work = await tempDir();
  const root = await archiveRepo();
  const remote = path.join(work, 'later.git');
  git(root, 'remote', 'add', 'origin', remote);
  git(root, 'branch', '-M', 'main');
  await fs.writeFile(path.join(root, 'README.md'), 'x\n');
  const done = await commitArchive(root, { events: [] });
  assert.equal(done.committed, true);
  assert.equal(done.subject, 'archive: lists and README updated');
  const retries: string[] = [];
  const pushed = await pushArchive(root, {
    delayMs: 10,
    onRetry: (why) => {
      retries.push(why);
      // the remote appears before the next attempt
      if (!existsSync(remote)) git(work, 'init', '-q', '--bare', remote);
    },
  });
  assert.equal(pushed.pushed, true);
  assert.equal(pushed.attempts, 2);
  assert.match(retries[0] ?? '', /failed .*trying again/);
  assert.equal(git(remote, 'rev-parse', 'main').trim(), git(root, 'rev-parse', 'HEAD').trim());
  // nothing new: up to date, and nothing to commit
  assert.equal((await pushArchive(root)).upToDate, true);
  assert.equal((await commitArchive(root, { events: [] })).committed, false);
});

test('a conflict is a GitConflictError naming the files', async () => {
  const { a, b } = await remoteSetup();
  await fs.writeFile(path.join(b, 'README.md'), 'theirs\n');
  git(b, 'add', '-A');
  git(b, 'commit', '-q', '-m', 'theirs');
  git(b, 'push', '-q', 'origin', 'HEAD:main');
  await fs.writeFile(path.join(a, 'README.md'), 'ours\n');
  await commitArchive(a, { events: [] });
  await assert.rejects(pushArchive(a, { delayMs: 10 }), (err: unknown) => err instanceof GitConflictError && err.files.includes('README.md'));
});

// ---------------------------------------------------------------------------------------------
// init: .gitignore, the GitHub Actions workflow

test('init merges its .gitignore lines into an existing file instead of overwriting it', async () => {
  const root = await tempDir();
  await fs.writeFile(path.join(root, '.gitignore'), '*.log\n/.newsvault\n');
  assert.equal(await main(['node', 'newsvault', 'init', root], capture().io), 0);
  const ignore = await fs.readFile(path.join(root, '.gitignore'), 'utf8');
  assert.ok(ignore.startsWith('*.log\n/.newsvault\n'), ignore);
  assert.equal(ignore.match(/^\/?\.newsvault\/?$/gm)?.length, 1);
  assert.match(ignore, /^node_modules\/$/m);
});

/** The CLI's commands as main registers them (the real option definitions), without running any. */
function program(): Command {
  const p = new Command();
  const ctx: CommandContext = { io: capture().io, setExitCode: () => undefined, logging: () => Promise.reject(new Error('no command runs here')) };
  registerRun(p, ctx);
  registerWatch(p, ctx);
  registerInit(p, ctx);
  return p;
}

/** The arguments of each `newsvault …` (or `npx … newsvault@version …`) command in a shell script. */
function newsvaultCommands(script: string): string[][] {
  const out: string[][] = [];
  for (const line of script.split('\n')) {
    const m = /(?:^|\s)(?:npx\s+(?:--yes\s+)?)?newsvault(?:@[\w.+-]+)?\s+([^|;&#]*)/.exec(line.trim());
    if (m && !line.trim().startsWith('#')) out.push(m[1]!.trim().split(/\s+/));
  }
  return out;
}

test('init --github-actions: valid YAML, hourly, no overlap, state cached without the lock, real newsvault commands', async () => {
  const root = await tempDir();
  const c = capture();
  assert.equal(await main(['node', 'newsvault', 'init', root, '--github-actions'], c.io), 0, c.text());
  const text = await fs.readFile(path.join(root, '.github', 'workflows', 'newsvault.yml'), 'utf8');
  const wf = parseYaml(text) as {
    on: { schedule: Array<{ cron: string }> };
    concurrency: { group: string; 'cancel-in-progress': boolean };
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Array<{ uses?: string; run?: string; if?: string; with?: Record<string, string> }> }>;
  };
  assert.match(wf.on.schedule[0]!.cron, /^\d{1,2} \* \* \* \*$/, 'hourly');
  assert.ok(wf.concurrency.group.length > 0);
  assert.equal(wf.concurrency['cancel-in-progress'], false, 'a run is never cancelled mid-commit');
  assert.equal(wf.permissions.contents, 'write');
  const steps = Object.values(wf.jobs)[0]!.steps;
  const caches = steps.filter((s) => s.uses?.startsWith('actions/cache/'));
  assert.deepEqual(caches.map((s) => s.uses!.split('@')[0]), ['actions/cache/restore', 'actions/cache/save']);
  for (const s of caches) {
    const paths = s.with!.path!.trim().split('\n');
    assert.ok(paths.includes('.newsvault') && paths.includes('!.newsvault/lock') && paths.includes('!.newsvault/tmp'), paths.join(' '));
  }
  assert.equal(caches[1]!.if, 'always()', 'state is saved even when the run failed');
  assert.ok(steps.findIndex((s) => s.uses === caches[0]!.uses) < steps.findIndex((s) => s.run?.includes('newsvault')), 'restored before the run');

  // every newsvault command in it parses with the CLI's own definitions: a known command, known options
  const commands = steps.flatMap((s) => (s.run ? newsvaultCommands(s.run) : []));
  assert.ok(commands.length >= 1);
  const cli = program();
  for (const [name, ...args] of commands) {
    const command = cli.commands.find((x) => x.name() === name);
    assert.ok(command, `newsvault ${name} is a command`);
    const parsed = command.parseOptions(args);
    assert.deepEqual(parsed.unknown, [], `newsvault ${name} ${args.join(' ')}: every option is known`);
    assert.deepEqual(parsed.operands, []);
  }
  assert.deepEqual(commands[0], ['run', '--commit', '--push']);
  // and a made-up flag would be caught
  assert.deepEqual(cli.commands.find((x) => x.name() === 'run')!.parseOptions(['--comit']).unknown, ['--comit']);

  // the archive around it: config, README, .gitignore; a second time, refused
  assert.ok(existsSync(path.join(root, 'newsvault.yaml')));
  assert.equal(await main(['node', 'newsvault', 'init', root, '--github-actions'], capture().io), 2);
  // in an existing archive without a workflow: only the workflow is added
  const existing = await tempDir();
  await fs.writeFile(path.join(existing, 'newsvault.yaml'), CONFIG);
  assert.equal(await main(['node', 'newsvault', 'init', existing, '--github-actions'], capture().io), 0);
  assert.equal(await fs.readFile(path.join(existing, 'newsvault.yaml'), 'utf8'), CONFIG);
  assert.ok(existsSync(path.join(existing, '.github', 'workflows', 'newsvault.yml')));
});

test('without a git identity (a fresh container), the archive commits as newsvault', async () => {
  const root = await archiveRepo();
  const config = process.env.GIT_CONFIG_GLOBAL!;
  const bare = path.join(await tempDir(), 'gitconfig');
  await fs.writeFile(bare, '[user]\n\tuseConfigOnly = true\n');
  process.env.GIT_CONFIG_GLOBAL = bare;
  try {
    const r = await run(root, '--commit');
    assert.equal(r.code, 0, r.text());
    assert.equal(git(root, 'log', '-1', '--format=%an <%ae>').trim(), 'newsvault <newsvault@localhost>');
  } finally {
    process.env.GIT_CONFIG_GLOBAL = config;
  }
});
