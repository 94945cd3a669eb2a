// A session's blocked set while login fills it: what the bus changed during the read wins.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlockedSet } from '../../../lib/server/blocked-set.ts';

test('an unblock that arrives while the login reads the blocks is not undone by the read', () => {
  const s = new BlockedSet();
  s.add(7); // a block through the bus, meanwhile
  s.delete(3); // an unblock through the bus, meanwhile: the read below still has 3
  s.fill([3, 5]);
  assert.equal([...s].sort(), [5, 7]);
});

test('a block after an unblock, both during the read, stands', () => {
  const s = new BlockedSet();
  s.delete(3);
  s.add(3);
  s.fill([]);
  assert.equal([...s], [3]);
  s.fill([4]);
  assert.ok(s.has(4));
});

test.run();
