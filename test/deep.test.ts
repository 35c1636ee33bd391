/**
 * A feed nested 100 000 levels deep through the CLI: `inspect` refuses it at once with one line and the
 * exit code of a feed that cannot be read (3), instead of spending seconds of CPU (or hanging) on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { settlesWithin } from '../src/testing/time.ts';
import { tempDir } from '../src/testing/tree.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

const DEPTH = 100_000;
const FEEDS = {
  'deep.xml': `<?xml version="1.0"?>\n<rss version="2.0"><channel><title>T</title>\n<item><title>a</title>${'<div>'.repeat(DEPTH)}x${'</div>'.repeat(DEPTH)}</item></channel></rss>\n`,
  'deep.json': `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"a","x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}]}`,
};

for (const [name, body] of Object.entries(FEEDS)) {
  test(`inspect ${name} nested ${DEPTH} deep: exit 3, one line`, async () => {
    const dir = await tempDir();
    const file = path.join(dir, name);
    await fs.writeFile(file, body);
    const c = capture();
    const code = await settlesWithin(main(['node', 'newsvault', 'inspect', '--archive', path.join(dir, 'archive'), file, '--log-format', 'text'], c.io), 60_000, 'inspect');
    assert.equal(code, 3);
    assert.deepEqual(c.out, []);
    const what = name.endsWith('.xml') ? 'elements' : 'arrays and objects';
    const line = name.endsWith('.xml') ? 3 : 1;
    assert.deepEqual(c.err.join('').trimEnd().split('\n'), [`newsvault: the feed nests ${what} deeper than 512 levels (at line ${line})`]);
  });
}
