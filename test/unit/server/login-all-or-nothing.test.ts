// Sign-in is all or nothing: when announcing presence fails inside `login`, the login replies
// with an error AND the connection is left anonymous, unregistered and uncounted on the bus.
// An in-process ChatServer on a loopback port, with a store whose friends look-up (the
// presence announcement) fails on demand and the real LocalBus.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalBus } from '../../../lib/bus/local-bus.ts';
import { resolveServerConfig } from '../../../lib/config.ts';
import { SqliteStore } from '../../../lib/db/sqlite-store.ts';
import { createLogger } from '../../../lib/logger.ts';
import type { Bus } from '../../../lib/bus/bus.ts';
import { ChatServer } from '../../../lib/server/server.ts';
import { RawPeer } from '../../helpers/raw.ts';

const test = suite('login is all or nothing');

async function start(bus: Bus) {
  const store = SqliteStore.open(':memory:');
  const friendsOf = store.friendsOf.bind(store);
  const state = { failPresence: false };
  store.friendsOf = (id) => (state.failPresence ? Promise.reject(new Error('presence look-up failed')) : friendsOf(id));
  const server = new ChatServer({ config: resolveServerConfig({ db: 'sqlite::memory:', port: 0 }), store, bus, log: createLogger('silent') });
  const { port } = await server.listen();
  return { server, port, state };
}

test('announcing presence fails: login replies with an error, the connection is not logged in, nothing is counted', async () => {
  const bus = new LocalBus();
  const { server, port, state } = await start(bus);
  const peer = await RawPeer.open(port);
  try {
    assert.is((await peer.request({ id: 1, type: 'register', user: 'bob', password: 'bob-s3cret-pw' })).ok, true);
    state.failPresence = true;
    const reply = await peer.request({ id: 2, type: 'login', user: 'bob', password: 'bob-s3cret-pw' });
    assert.is(reply.ok, false, 'the login failed');
    assert.is(reply.code, 'CHAT_ERR_INTERNAL');
    const after = await peer.request({ id: 3, type: 'groups' });
    assert.is(after.code, 'CHAT_ERR_NOT_LOGGED_IN', 'the connection stayed anonymous');
    assert.is(server.sessionCount, 0, 'no session is registered');
    const bob = 1;
    assert.equal([...(await bus.onlineAmong([bob]))], [], 'the bus does not count bob');

    // Nothing was left half done: the same connection logs in once presence works again.
    state.failPresence = false;
    assert.is((await peer.request({ id: 4, type: 'login', user: 'bob', password: 'bob-s3cret-pw' })).ok, true);
    assert.is((await peer.request({ id: 5, type: 'groups' })).ok, true);
    assert.is(server.sessionCount, 1);
    assert.equal([...(await bus.onlineAmong([bob]))], [bob]);
    assert.is((await peer.request({ id: 6, type: 'logout' })).ok, true);
    assert.equal([...(await bus.onlineAmong([bob]))], [], 'logout withdraws the one count');
  } finally {
    peer.close();
    await server.stop();
  }
});

test('the bus fails to publish the announcement: the same rollback', async () => {
  const bus = new LocalBus();
  const publish = bus.publish.bind(bus);
  let failPublish = false;
  bus.publish = (event) => {
    if (failPublish && event.frame.includes('"presence"')) throw new Error('publish failed');
    publish(event);
  };
  const { server, port } = await start(bus);
  const alice = await RawPeer.open(port);
  const peer = await RawPeer.open(port);
  try {
    // bob needs a friend, or there is no one to announce to
    for (const [i, name] of ['alice', 'bob'].entries()) {
      const p = name === 'alice' ? alice : peer;
      assert.is((await p.request({ id: 10 + i, type: 'register', user: name, password: `${name}-s3cret-pw` })).ok, true);
      assert.is((await p.request({ id: 20 + i, type: 'login', user: name, password: `${name}-s3cret-pw` })).ok, true);
    }
    assert.is((await alice.request({ id: 30, type: 'friend_add', user: 'bob' })).ok, true);
    assert.is((await peer.request({ id: 31, type: 'friend_accept', user: 'alice' })).ok, true);
    assert.is((await peer.request({ id: 32, type: 'logout' })).ok, true);

    failPublish = true;
    const reply = await peer.request({ id: 33, type: 'login', user: 'bob', password: 'bob-s3cret-pw' });
    assert.is(reply.ok, false, 'the login failed');
    assert.is(reply.code, 'CHAT_ERR_INTERNAL');
    assert.is((await peer.request({ id: 34, type: 'groups' })).code, 'CHAT_ERR_NOT_LOGGED_IN');
    assert.is(server.sessionCount, 1, 'only alice is registered');
    const { result } = await alice.request({ id: 35, type: 'friends' });
    assert.equal(result.friends, [{ name: 'bob', online: false }], 'alice sees bob offline');
  } finally {
    alice.close();
    peer.close();
    await server.stop();
  }
});

test.run();
