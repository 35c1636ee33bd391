import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../watch/schedule.ts';
import { KeyTable } from './segment.ts';

test('KeyTable: agrees with a Map on 60,000 keys up to 2^50 (colliding low bits included) through its growth, iteration and clear', () => {
  const rnd = seededRandom(7);
  const table = new KeyTable<number>();
  const map = new Map<number, number>();
  for (let i = 0; i < 60_000; i++) {
    // keys as the search builder makes them (size · 2^48 + units), and keys equal in their low 32 bits
    const key = i % 3 === 0 ? Math.floor(rnd() * 4) * 2 ** 48 + (i % 1000) : Math.floor(rnd() * 2 ** 50);
    const slot = table.slot(key);
    if (table.at(slot) === undefined) table.set(slot, key, i);
    if (!map.has(key)) map.set(key, i);
  }
  assert.equal(table.size, map.size);
  for (const [k, v] of map) assert.equal(table.get(k), v);
  assert.equal(table.get(2 ** 50 + 12345), undefined);
  assert.deepEqual(new Map(table), map);
  table.clear();
  assert.equal(table.size, 0);
  assert.equal([...table].length, 0);
  assert.equal(table.get([...map.keys()][0]!), undefined);
});
