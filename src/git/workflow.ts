/**
 * The GitHub Actions workflow `newsvault init --github-actions` writes into the archive's repository
 * (`.github/workflows/newsvault.yml`): Newsvault run every hour on GitHub's machines, committing and pushing
 * to the repository. See docs/deploy.md.
 *
 * - a concurrency group, so that two runs never overlap (a run waits for the one going; none is cancelled
 *   mid-commit);
 * - `.newsvault/` (validators for conditional GET, health and backoff, extraction retries, the search index)
 *   kept between runs in the Actions cache — never in git —, without the lock and temporary files; saved
 *   even when the run failed;
 * - `newsvault run --commit --push`: one commit per run that changed something, none otherwise; a push the
 *   remote rejected is rebased and pushed again, never forced.
 */

/** Where the workflow goes, relative to the repository's root (the archive). */
export const WORKFLOW_PATH = '.github/workflows/newsvault.yml';

export interface WorkflowOptions {
  /** The Newsvault version the workflow runs (`npx newsvault@<version>`), e.g. this package's. */
  version: string;
  /** The minute of each hour it starts (default 23: GitHub delays the busy top of the hour). */
  minute?: number;
}

/** The workflow's `newsvault …` command (without `npx`), as the tests check it against the CLI. */
export const WORKFLOW_COMMAND = ['run', '--commit', '--push'] as const;

export function githubWorkflow(opts: WorkflowOptions): string {
  const minute = opts.minute ?? 23;
  if (!Number.isInteger(minute) || minute < 0 || minute > 59) throw new RangeError(`minute must be 0 to 59, not ${minute}`);
  if (!/^[0-9A-Za-z.+-]+$/.test(opts.version)) throw new RangeError(`not a version: ${JSON.stringify(opts.version)}`);
  const cachePaths = ['.newsvault', '!.newsvault/lock', '!.newsvault/lock.*', '!.newsvault/tmp'];
  const cache = (action: string, extra: string[]) => [
    `        uses: actions/cache/${action}@v4`,
    '        with:',
    '          path: |',
    ...cachePaths.map((p) => `            ${p}`),
    '          key: newsvault-state-${{ github.run_id }}-${{ github.run_attempt }}',
    ...extra,
  ];
  return [
    `# Newsvault: archive the sources every hour and commit the new articles to this repository.`,
    `# Written by \`newsvault init --github-actions\` (Newsvault ${opts.version}); see docs/deploy.md in Newsvault.`,
    '# The archive is the repository\'s root. To stop it, disable the workflow in the Actions tab.',
    'name: newsvault',
    '',
    'on:',
    '  schedule:',
    `    - cron: "${minute} * * * *"`,
    '  workflow_dispatch: {}',
    '',
    '# two runs never overlap: one started while another is going waits for it (none is cancelled mid-commit)',
    'concurrency:',
    '  group: newsvault-${{ github.repository }}-${{ github.ref }}',
    '  cancel-in-progress: false',
    '',
    'permissions:',
    '  contents: write',
    '',
    'jobs:',
    '  archive:',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 50',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    '      # local state, never committed: validators (conditional GET), health and backoff, extraction retries,',
    '      # the search index; kept between runs in the Actions cache, without the lock and temporary files',
    '      - name: Restore the .newsvault/ state',
    ...cache('restore', ['          restore-keys: newsvault-state-']),
    '      - name: Git identity',
    '        run: |',
    '          git config user.name "github-actions[bot]"',
    '          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
    '      - name: Archive, commit and push',
    '        run: |',
    '          status=0',
    `          npx --yes newsvault@${opts.version} ${WORKFLOW_COMMAND.join(' ')} || status=$?`,
    '          # 3: a source failed (its line in the table above), what the others brought is committed and pushed:',
    '          # a warning, not a failed job. Any other code fails the job (6: the commit or push failed).',
    '          if [ "$status" -eq 3 ]; then echo "::warning::a source failed: see the table above"; exit 0; fi',
    '          exit "$status"',
    '      - name: Save the .newsvault/ state',
    '        if: always()',
    ...cache('save', []),
    '',
  ].join('\n');
}
