// test-timeout: 120
// Two nodes on one MySQL and one Redis: a kick decided on node A reaches the target's session
// on node B through the bus, and ends their view of the group there; an invitation made on A
// reaches them on B too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis, waitUntil } from '../helpers/redis.ts';
import { connectAs, startServer } from '../helpers/server.ts';

const test = suite('groups across two nodes');
const FILE = 'test/integration/cluster-groups.test.ts';

test('a kick on node A reaches the target on node B, which then neither reads nor receives the group', async () => {
  if (!(await requireMariadb(FILE)) || !requireRedisServer(FILE)) return;
  const db = scratchDb();
  const redis = await startPrivateRedis();
  const args = (id: string) => ['--node-id', id, '--redis', redis.url];
  const a = await startServer({ db: db.url, args: args('a') });
  const b = await startServer({ db: db.url, args: args('b') });
  const clients: ChatClient[] = [];
  try {
    const alice = await connectAs(a, 'alice');
    const bob = await connectAs(b, 'bob');
    const bobOnA = await connectAs(a, 'bob', undefined, false);
    clients.push(alice, bob, bobOnA);
    const pushes: PushFrame[] = [];
    bob.onPush((f) => pushes.push(f));

    const { conversation } = await alice.request('group_create', { group: 'ops', private: true });
    await alice.request('group_invite', { group: 'ops', user: 'bob' });
    await waitUntil(() => pushes.some((f) => f.type === 'group_invite'), 10_000, 'the invitation on node B');
    await bob.request('group_join', { group: 'ops' });
    await alice.request('send', { group: 'ops', text: 'welcome' });
    await waitUntil(() => pushes.some((f) => f.type === 'message' && f.text === 'welcome'), 10_000, 'a message on node B');

    await alice.request('group_kick', { group: 'ops', user: 'bob' });
    await waitUntil(() => pushes.some((f) => f.type === 'group_event' && f.event === 'kicked'), 10_000, 'the kick on node B');
    assert.equal(pushes.find((f) => f.type === 'group_event' && f.event === 'kicked'),
      { type: 'group_event', group: 'ops', user: 'bob', event: 'kicked', by: 'alice' });

    // Private, and bob is out: to him it is a group that does not exist, on both nodes.
    for (const c of [bob, bobOnA]) {
      await rejectsWith(c.request('history', { group: 'ops' }), 'CHAT_ERR_NO_SUCH_GROUP');
      await rejectsWith(c.request('sync', { conversation, after: 0 }), 'CHAT_ERR_NO_SUCH_CONVERSATION');
    }
    await alice.request('send', { group: 'ops', text: 'after' });
    // A later push to bob on B (an invitation) arrives after anything sent before it would have.
    await alice.request('group_invite', { group: 'ops', user: 'bob' });
    await waitUntil(() => pushes.filter((f) => f.type === 'group_invite').length === 2, 10_000, 'the second invitation on node B');
    assert.not.ok(pushes.some((f) => f.type === 'message' && f.text === 'after'));
  } finally {
    for (const c of clients) c.destroy();
    await a.stop();
    await b.stop();
    await redis.kill();
    await db.drop();
  }
});

test.run();
