/**
 * Committing and pushing what a run wrote, with the git on the machine: `git` run with an argument array
 * (never a shell string), in the archive's folder. The archive may be the repository's root or a folder in
 * it; paths are given relative to the archive.
 *
 * - commit: only the archive's own files (the articles, revisions, lists, README, assets, and any other path
 *   the run reports it wrote), never what else the working tree or the index holds (newsvault.yaml edits,
 *   rules, workflows). Nothing staged for them → no commit.
 * - push: `git push <remote> HEAD:<branch>`, retried; a rejected push fetches the branch, rebases the local
 *   commits onto it and pushes again (the archive is append-mostly, so this nearly always applies cleanly).
 *   A real conflict aborts the rebase, keeps the local commits and throws GitConflictError. Never forced.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ChangeEvent } from '../archive/index.ts';
import { commitMessage } from './message.ts';

/** A git command that failed in a way the user must act on (not a repository, no git, a push that kept failing). */
export class GitError extends Error {
  override readonly name: string = 'GitError';
}

/** A rejected push whose rebase onto the remote conflicts: the local commits are kept, nothing is forced. */
export class GitConflictError extends GitError {
  override readonly name = 'GitConflictError';
  constructor(
    message: string,
    readonly files: string[],
  ) {
    super(message);
  }
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The archive's own top-level files and folders: what a commit may take besides the run's written paths. */
export const ARCHIVE_PATHS = ['README.md', 'lists', 'articles', 'revisions', 'assets'] as const;

/** Who commits when git has no identity configured (a fresh container): the archive's robot. */
export const FALLBACK_IDENTITY = { name: 'newsvault', email: 'newsvault@localhost' } as const;

/** Runs git in `cwd` with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
export function git(cwd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], {
      cwd,
      // no prompt for credentials (a scheduler has no terminal); messages in English, to be recognised
      env: { ...process.env, ...opts.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new GitError('git is not installed (or not on PATH): install git to use --commit and --push') : e);
    });
    child.once('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** `git …` that must succeed: its stdout, else GitError with git's own words. */
async function must(cwd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await git(cwd, args, opts);
  if (r.code !== 0) throw new GitError(`git ${args[0]} failed: ${firstLines(r.stderr || r.stdout)}`);
  return r.stdout;
}

function firstLines(s: string, n = 4): string {
  return s.trim().split('\n').slice(0, n).join(' / ') || 'no message';
}

/** The repository's top folder, or throws GitError saying the archive is not in one. */
export async function repositoryRoot(archiveRoot: string): Promise<string> {
  const r = await git(archiveRoot, ['rev-parse', '--show-toplevel']);
  if (r.code !== 0) {
    throw new GitError(`${archiveRoot} is not in a git repository: run \`git init\` there (or clone the archive's repository) to use --commit or --push`);
  }
  return r.stdout.trim();
}

/**
 * Checks, before anything is fetched, that `--commit` / `--push` can work: the archive is in a git repository
 * and, to push, the remote exists (and HEAD is on a branch when no branch is named). Throws GitError saying
 * what to do.
 */
export async function checkRepository(archiveRoot: string, opts: { push?: { remote?: string; branch?: string } | false } = {}): Promise<void> {
  await repositoryRoot(archiveRoot);
  if (!opts.push) return;
  const remote = opts.push.remote ?? 'origin';
  const r = await git(archiveRoot, ['remote', 'get-url', '--', remote]);
  if (r.code !== 0) throw new GitError(`the archive's repository has no remote "${remote}" to push to: add it (git remote add ${remote} URL) or set git.remote in newsvault.yaml`);
  if (opts.push.branch === undefined) await currentBranch(archiveRoot);
}

/** The environment that gives git an identity when none is configured (else nothing). */
async function identityEnv(cwd: string): Promise<NodeJS.ProcessEnv> {
  const r = await git(cwd, ['var', 'GIT_COMMITTER_IDENT']);
  const a = await git(cwd, ['var', 'GIT_AUTHOR_IDENT']);
  if (r.code === 0 && a.code === 0) return {};
  return {
    GIT_AUTHOR_NAME: FALLBACK_IDENTITY.name,
    GIT_AUTHOR_EMAIL: FALLBACK_IDENTITY.email,
    GIT_COMMITTER_NAME: FALLBACK_IDENTITY.name,
    GIT_COMMITTER_EMAIL: FALLBACK_IDENTITY.email,
  };
}

export interface CommitOptions {
  /** Every change event of the run (the message is built from them). */
  events: readonly ChangeEvent[];
  /** Archive-relative paths the run wrote (RunReport.written). */
  written?: readonly string[];
  /** Source slugs in the run's order, for the message. */
  order?: readonly string[];
}

export interface CommitResult {
  committed: boolean;
  /** The new commit's id, when one was made. */
  sha?: string;
  subject?: string;
  /** Files in the commit. */
  files: number;
}

/** What a commit may take: the archive's own folders and files, and any other path the run wrote; those that exist. */
function candidates(archiveRoot: string, written: readonly string[]): string[] {
  const specs = new Set<string>(ARCHIVE_PATHS);
  for (const w of written) {
    const top = w.split('/')[0]!;
    if (!(ARCHIVE_PATHS as readonly string[]).includes(top) && w !== '' && top !== '.newsvault') specs.add(w);
  }
  return [...specs].filter((p) => existsSync(path.join(archiveRoot, p))).sort();
}

/** A pathspec that is never read as a glob. */
const literal = (p: string) => `:(literal)${p}`;

/**
 * Commits what the run changed in the archive at `archiveRoot`, after all its writes: the archive's own
 * paths (plus what `written` names beyond them), staged with `git add -A` (so .gitignore holds), committed
 * with `git commit --only` so that nothing else the index holds goes in. Nothing to commit → no commit.
 */
export async function commitArchive(archiveRoot: string, opts: CommitOptions): Promise<CommitResult> {
  await repositoryRoot(archiveRoot);
  const specs = candidates(archiveRoot, opts.written ?? []);
  if (specs.length === 0) return { committed: false, files: 0 };
  await must(archiveRoot, ['add', '-A', '--', ...specs.map(literal)]);
  const staged = (await must(archiveRoot, ['diff', '--cached', '--name-only', '--relative', '-z', '--no-renames', '--', ...specs.map(literal)]))
    .split('\0')
    .filter(Boolean);
  if (staged.length === 0) return { committed: false, files: 0 };
  // `commit --only` refuses a pathspec that matches nothing: only those with something staged
  const used = specs.filter((p) => staged.some((f) => f === p || f.startsWith(`${p}/`)));
  const fromRun = new Set(opts.written ?? []);
  // articles and revisions staged that the run did not write: left by an earlier run stopped before its commit
  // (lists and the README are rewritten from the whole archive; assets are shared by content)
  const extra = opts.written ? staged.filter((f) => !fromRun.has(f) && (f.startsWith('articles/') || f.startsWith('revisions/'))).length : 0;
  const message = commitMessage(opts.events, { ...(opts.order ? { order: opts.order } : {}), extra });
  const args = ['commit', '--quiet', '--no-verify', '-m', message.subject, ...(message.body ? ['-m', message.body] : []), '--only', '--', ...used.map(literal)];
  await must(archiveRoot, args, { env: await identityEnv(archiveRoot) });
  const sha = (await must(archiveRoot, ['rev-parse', 'HEAD'])).trim();
  return { committed: true, sha, subject: message.subject, files: staged.length };
}

export interface PushOptions {
  /** Default: origin. */
  remote?: string;
  /** Default: the current branch. */
  branch?: string;
  /** Attempts in all (default 4). */
  attempts?: number;
  /** Wait before the second attempt; doubles after each (default 2 s). */
  delayMs?: number;
  /** Stops retrying (the attempt in flight finishes). */
  signal?: AbortSignal;
  /** Told before each retry, for the log. */
  onRetry?: (why: string, attempt: number) => void;
}

export interface PushResult {
  pushed: boolean;
  remote: string;
  branch: string;
  attempts: number;
  /** How many times the local commits were rebased onto the remote's. */
  rebased: number;
  /** Nothing to push: the remote had every commit already. */
  upToDate: boolean;
}

const REJECTED = /\[rejected\]|\(fetch first\)|\(non-fast-forward\)|failed to push some refs|Updates were rejected/i;

/** The current branch's name; GitError on a detached HEAD. */
export async function currentBranch(cwd: string): Promise<string> {
  const r = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (r.code !== 0) throw new GitError('HEAD is detached: check out a branch, or name the branch to push to (git.branch in newsvault.yaml)');
  return r.stdout.trim();
}

/**
 * Pushes HEAD to `<remote>/<branch>`, with retries. Rejected (the remote moved on): fetch, rebase the local
 * commits onto the remote's branch, push again. A rebase that conflicts is aborted, the local commits are
 * kept, and GitConflictError says so. Never forces.
 */
export async function pushArchive(archiveRoot: string, opts: PushOptions = {}): Promise<PushResult> {
  await repositoryRoot(archiveRoot);
  const remote = opts.remote ?? 'origin';
  const branch = opts.branch ?? (await currentBranch(archiveRoot));
  const attempts = Math.max(1, opts.attempts ?? 4);
  let delay = opts.delayMs ?? 2000;
  let rebased = 0;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const r = await git(archiveRoot, ['push', '--porcelain', remote, `HEAD:refs/heads/${branch}`]);
    if (r.code === 0) return { pushed: true, remote, branch, attempts: attempt, rebased, upToDate: /\[up to date\]/.test(r.stdout) };
    last = firstLines(`${r.stderr}\n${r.stdout}`);
    if (attempt === attempts || opts.signal?.aborted) break;
    if (REJECTED.test(r.stdout) || REJECTED.test(r.stderr)) {
      opts.onRetry?.(`the push to ${remote}/${branch} was rejected (the remote has commits this archive has not): rebasing onto them`, attempt);
      await rebaseOnto(archiveRoot, remote, branch);
      rebased++;
      // the rebased commits go at once: no wait
      continue;
    }
    opts.onRetry?.(`the push to ${remote}/${branch} failed (${last}); trying again in ${Math.round(delay / 1000)} s`, attempt);
    await sleep(delay, opts.signal);
    delay *= 2;
  }
  throw new GitError(`the push to ${remote}/${branch} failed after ${attempts} attempt(s): ${last}. The commits are kept here; the next push sends them`);
}

/** Fetches `<remote>/<branch>` and rebases the local commits onto it; a conflict aborts and throws GitConflictError. */
async function rebaseOnto(cwd: string, remote: string, branch: string): Promise<void> {
  const fetched = await git(cwd, ['fetch', '--quiet', remote, `refs/heads/${branch}`]);
  if (fetched.code !== 0) throw new GitError(`git fetch ${remote} ${branch} failed: ${firstLines(fetched.stderr)}`);
  const upstream = (await must(cwd, ['rev-parse', 'FETCH_HEAD'])).trim();
  const env = await identityEnv(cwd);
  const r = await git(cwd, ['rebase', '--autostash', '--no-verify', upstream], { env });
  if (r.code === 0) return;
  const conflicted = (await git(cwd, ['diff', '--name-only', '--diff-filter=U', '-z'])).stdout.split('\0').filter(Boolean);
  const inProgress = await rebaseInProgress(cwd);
  if (inProgress) await git(cwd, ['rebase', '--abort'], { env });
  const where = conflicted.length ? ` (conflict in ${conflicted.slice(0, 5).join(', ')}${conflicted.length > 5 ? ', …' : ''})` : '';
  throw new GitConflictError(
    `the push to ${remote}/${branch} was rejected, and this archive's commits do not rebase onto the remote's${where}: ` +
      `nothing was pushed, the local commits are kept as they were. Resolve by hand (git pull --rebase ${remote} ${branch}, then git push); never force-push. ${inProgress ? '' : firstLines(r.stderr)}`.trim(),
    conflicted,
  );
}

async function rebaseInProgress(cwd: string): Promise<boolean> {
  for (const dir of ['rebase-merge', 'rebase-apply']) {
    const p = (await git(cwd, ['rev-parse', '--git-path', dir])).stdout.trim();
    if (p && existsSync(path.resolve(cwd, p))) return true;
  }
  return false;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
