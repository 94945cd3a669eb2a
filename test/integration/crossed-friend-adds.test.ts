// test-timeout: 180
// Two users adding each other at the same moment, each through a different `chat serve` node on
// one MySQL database. friend_add used to check the relation and then write, so both checks could
// see nothing and both requests be stored; the relation then read `out` for both, `add` answered
// REQUEST_PENDING and `accept` NO_REQUEST to both of them. Every crossed pair must end as one
// friendship (or at most one pending request), seen the same way from both sides.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { connectAs, startServer, type RunningServer } from '../helpers/server.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';

const PER_NODE = 3;
const ROUNDS = 4; // PER_NODE² crossed pairs per round

interface Person {
  name: string;
  client: ChatClient;
}

interface FriendsView {
  friends: { name: string }[];
  requests: { name: string; direction: 'in' | 'out' }[];
}

/** How `me` sees `other`: friends, a request one way, or nothing; several at once is an inconsistency. */
async function viewOf(me: Person, other: Person): Promise<string[]> {
  const view = (await me.client.request('friends', {})) as FriendsView;
  return [
    ...view.friends.filter((f) => f.name === other.name).map(() => 'friends'),
    ...view.requests.filter((r) => r.name === other.name).map((r) => r.direction),
  ];
}

/**
 * PER_NODE users on each node, every left user and right user adding each other at once,
 * ROUNDS times (the friendship is removed between rounds, so later rounds re-friend).
 */
async function crossAll(leftServer: RunningServer, rightServer: RunningServer, people: Person[]): Promise<void> {
  const side = async (server: RunningServer, prefix: string) => {
    const list: Person[] = [];
    for (let i = 0; i < PER_NODE; i++) {
      const name = `${prefix}${i}`;
      list.push({ name, client: await connectAs(server, name) });
    }
    people.push(...list);
    return list;
  };
  const left = await side(leftServer, 'l');
  const right = await side(rightServer, 'r');

  let friendships = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const a of left) {
      for (const b of right) {
        const pair = `${a.name}/${b.name} in round ${round}`;
        // Both frames leave in the same tick, one on each connection.
        const replies = await Promise.all([
          a.client.request('friend_add', { user: b.name }),
          b.client.request('friend_add', { user: a.name }),
        ]) as { status: string }[];
        const [seenByA, seenByB] = await Promise.all([viewOf(a, b), viewOf(b, a)]);
        if (seenByA[0] === 'friends') {
          assert.equal([seenByA, seenByB], [['friends'], ['friends']], `${pair}: friends on both sides, no request left`);
          assert.equal(replies.map((r) => r.status).sort(), ['accepted', 'pending'], `${pair}: one request, and its acceptance`);
          friendships++;
          await a.client.request('friend_remove', { user: b.name });
        } else {
          // At most one request, seen as `out` by its sender and `in` by the other.
          assert.equal([seenByA, seenByB].map((v) => v.length), [1, 1], `${pair}: exactly one request (saw ${seenByA} / ${seenByB})`);
          assert.equal([...seenByA, ...seenByB].sort(), ['in', 'out'], `${pair}: one request, seen from both ends`);
          const [from, to] = seenByA[0] === 'out' ? [a, b] : [b, a];
          await from.client.request('friend_remove', { user: to.name });
        }
        assert.equal([await viewOf(a, b), await viewOf(b, a)], [[], []], `${pair}: removed for the next round`);
      }
    }
  }
  // Serialized by the store, the second add always finds the first one's request.
  assert.is(friendships, ROUNDS * PER_NODE * PER_NODE);
}

if (await requireMariadb('test/integration/crossed-friend-adds.test.ts')) {
  const db = scratchDb();
  const test = suite('crossed friend adds on two nodes');
  const servers: RunningServer[] = [];
  const people: Person[] = [];
  test.after(async () => {
    for (const p of people) await p.client.close();
    for (const s of servers) await s.stop();
    await db.drop();
  });

  test('every pair adding each other at once through two nodes ends as one friendship, on both sides', async () => {
    // Started one after the other: the first migrates the new database.
    servers.push(await startServer({ db: db.url }));
    servers.push(await startServer({ db: db.url }));
    await crossAll(servers[0]!, servers[1]!, people);
  });

  test.run();
}
