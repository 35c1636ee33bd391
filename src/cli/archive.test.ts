/**
 * Which archive a command works on: --archive, else NEWSVAULT_ARCHIVE, else the archive the current
 * folder is in (found upwards, like git), else ./archive. The last tests run the CLI in a child process
 * whose current folder is deep inside an archive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveArchive } from './archive.ts';

async function tempArchive(t: { after: (fn: () => Promise<void>) => void }, slug: string): Promise<string> {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'newsvault-cli-archive-')));
  t.after(() => fs.rm(root, { recursive: true, force: true }));
  await fs.writeFile(path.join(root, 'newsvault.yaml'), `sources:\n  ${slug}:\n    feed: https://example.org/${slug}.xml\n`);
  await fs.mkdir(path.join(root, 'articles', 'rfi', '2024'), { recursive: true });
  return root;
}

test('--archive wins, then NEWSVAULT_ARCHIVE, then the archive above the current folder, then ./archive', async (t) => {
  const root = await tempArchive(t, 'marker');
  const deep = path.join(root, 'articles', 'rfi', '2024');
  assert.equal(await resolveArchive({ archive: 'elsewhere' }, { cwd: deep, env: { NEWSVAULT_ARCHIVE: '/x' } }), path.join(deep, 'elsewhere'));
  assert.equal(await resolveArchive({}, { cwd: deep, env: { NEWSVAULT_ARCHIVE: '/x/y' } }), '/x/y');
  assert.equal(await resolveArchive({}, { cwd: deep, env: { NEWSVAULT_ARCHIVE: 'rel' } }), path.join(deep, 'rel'));
  assert.equal(await resolveArchive({}, { cwd: deep, env: { NEWSVAULT_ARCHIVE: '' } }), root, 'an empty variable counts as unset');
  assert.equal(await resolveArchive({}, { cwd: deep, env: {} }), root);
  assert.equal(await resolveArchive({}, { cwd: root, env: {} }), root);

  // an archive without newsvault.yaml is recognised by its .newsvault/ state folder
  await fs.rm(path.join(root, 'newsvault.yaml'));
  await fs.mkdir(path.join(root, '.newsvault'));
  assert.equal(await resolveArchive({}, { cwd: deep, env: {} }), root);

  const empty = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'newsvault-cli-empty-')));
  t.after(() => fs.rm(empty, { recursive: true, force: true }));
  assert.equal(await resolveArchive({}, { cwd: empty, env: {} }), path.join(empty, 'archive'));
});

const mainUrl = new URL('./main.ts', import.meta.url).href;
const tsx = import.meta.resolve('tsx');

/** Runs `newsvault ...args` in a child process (through tsx, the sources) in `cwd`. */
function newsvault(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(['node', 'newsvault', ...process.argv.slice(1)]);`;
  const inherited = { ...process.env };
  delete inherited.NEWSVAULT_ARCHIVE;
  const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script, ...args], {
    cwd,
    env: { ...inherited, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function configuredSlugs(stdout: string): string[] {
  return (JSON.parse(stdout) as { configured: { slug: string }[] }).configured.map((s) => s.slug);
}

test('`newsvault sources` and `status` run inside <archive>/articles/rfi/ work on <archive>', async (t) => {
  const root = await tempArchive(t, 'marker');
  const inside = path.join(root, 'articles', 'rfi');
  const sources = await newsvault(['sources', '--json'], inside);
  assert.equal(sources.code, 0, sources.stderr);
  assert.ok(configuredSlugs(sources.stdout).includes('marker'), 'the configured source of the archive above');

  const status = await newsvault(['status', '--json'], inside);
  assert.equal(status.code, 0, status.stderr);
  assert.ok(JSON.stringify(JSON.parse(status.stdout)).includes('marker'));
  await assert.rejects(fs.access(path.join(inside, 'archive')), 'no ./archive made where the command ran');

  // NEWSVAULT_ARCHIVE beats the archive found above; --archive beats both
  const other = await tempArchive(t, 'other');
  const fromEnv = await newsvault(['sources', '--json'], inside, { NEWSVAULT_ARCHIVE: other });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.ok(configuredSlugs(fromEnv.stdout).includes('other'));
  const fromOption = await newsvault(['sources', '--json', '--archive', root], inside, { NEWSVAULT_ARCHIVE: other });
  assert.ok(configuredSlugs(fromOption.stdout).includes('marker'));
});

test('every command documents its examples, exit codes and environment in --help', async () => {
  const { main } = await import('./main.ts');
  for (const command of ['run', 'init', 'sources', 'status', 'extract', 'inspect']) {
    const out: string[] = [];
    assert.equal(await main(['node', 'newsvault', command, '--help'], { out: (s) => void out.push(s), err: () => {} }), 0);
    const help = out.join('');
    assert.match(help, /Examples:\n {2}\$ newsvault /, command);
    for (const code of ['0', '1', '2', '3', '4']) assert.match(help, new RegExp(`^ {2}${code} {2}\\S`, 'm'), `${command}: exit code ${code}`);
    assert.match(help, /NEWSVAULT_DEBUG/, command);
    assert.equal(/NEWSVAULT_ARCHIVE {2}/.test(help), command !== 'init', `${command}: NEWSVAULT_ARCHIVE`);
    const fetches = ['run', 'extract', 'inspect'].includes(command);
    for (const v of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY']) assert.equal(help.includes(v), fetches, `${command}: ${v}`);
  }
});

