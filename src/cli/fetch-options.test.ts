/** newsvault.yaml's allowPrivateNetworks as fetch options: run-wide, per source (the source's wins), unset = automatic. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../sources/index.ts';
import { fetchOptionsFrom, sourceFetchOptions } from './fetch-options.ts';

const config = (yaml: string) => parseConfig(yaml, '/archive/newsvault.yaml', '/archive');

test('allowPrivateNetworks: run-wide, overridden per source; unset passes nothing (automatic)', () => {
  const both = config(
    'run:\n  allowPrivateNetworks: false\nsources:\n  intranet: { feed: "https://intranet.example/rss", allowPrivateNetworks: true }\n  other: { feed: "https://other.example/rss" }\n',
  );
  assert.equal(fetchOptionsFrom(both).allowPrivateNetworks, false);
  assert.equal(sourceFetchOptions(both, 'intranet').allowPrivateNetworks, true);
  assert.equal(sourceFetchOptions(both, 'other').allowPrivateNetworks, false);
  assert.equal(sourceFetchOptions(both, 'rfi').allowPrivateNetworks, false, 'a catalog source takes the run setting');

  const unset = config('sources:\n  mine: { feed: "https://mine.example/rss", proxy: direct }\n  strict: { feed: "https://s.example/rss", allowPrivateNetworks: false }\n');
  assert.ok(!('allowPrivateNetworks' in fetchOptionsFrom(unset)));
  assert.deepEqual(sourceFetchOptions(unset, 'mine'), { perHostDelayMs: 1000, proxy: 'direct' });
  assert.equal(sourceFetchOptions(unset, 'strict').allowPrivateNetworks, false);

  assert.throws(() => config('run:\n  allowPrivateNetworks: yes please\n'), /run\.allowPrivateNetworks: must be true or false/);
});
