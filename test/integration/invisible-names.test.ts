// test-timeout: 90
// Names with a character that renders as nothing can no longer be registered, but a database
// from before that rule may hold some: those accounts and groups must keep working.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { SqliteStore } from '../../lib/db/sqlite-store.ts';
import { nameKey } from '../../lib/protocol/names.ts';
import { hashPassword } from '../../lib/server/credentials.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { connectAs, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const test = suite('invisible names');

const TWIN = 'alice\u{e0020}'; // shows as "alice"
const GROUP = 'devs\u{fe0f}';
const PASSWORD = 'twin-s3cret-pw';

let server: RunningServer;
const clients: ChatClient[] = [];

test.before(async () => {
  // A database as the old rule left it: the store itself never checks names.
  const dbPath = join(tempDir().dir, 'chat.db');
  const store = SqliteStore.open(dbPath);
  const twin = await store.createUser(TWIN, nameKey(TWIN), await hashPassword(PASSWORD));
  await store.createGroup(GROUP, nameKey(GROUP), 'from before', twin.id);
  await store.close();
  server = await startServer({ dbPath });
});

test.after(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
});

test('an account whose name has an invisible character logs in by password, by token, and appears as itself', async () => {
  const twin = await connectAs(server, TWIN, PASSWORD, false);
  clients.push(twin);
  const bob = await connectAs(server, 'bob');
  clients.push(bob);
  await bob.request('friend_add', { user: TWIN });
  const accepted = await twin.request('friend_accept', { user: 'bob' });
  assert.is(accepted.user, 'bob');
  const { friends } = await bob.request('friends', {});
  assert.equal(friends.map((f: { name: string }) => f.name), [TWIN]);
  const byPassword = await ChatClient.connect({ host: server.host, port: server.port });
  clients.push(byPassword);
  const login = await byPassword.request('login', { user: TWIN, password: PASSWORD });
  assert.is(login.user, TWIN);
  const again = await ChatClient.connect({ host: server.host, port: server.port });
  clients.push(again);
  assert.is((await again.request('login', { token: login.token })).user, TWIN);
});

test('a group whose name has an invisible character is still reachable by its name', async () => {
  const bob = clients[1]!;
  await bob.request('group_join', { group: GROUP });
  const { members } = await bob.request('group_members', { group: GROUP });
  assert.equal(members.map((m: { name: string }) => m.name).sort(), ['bob', TWIN].sort());
  const sent = await bob.request('send', { group: GROUP, text: 'still here' });
  assert.is(sent.duplicate, false);
});

test('no new name of that kind can be registered or created, not even beside the old ones', async () => {
  const carol = await ChatClient.connect({ host: server.host, port: server.port });
  clients.push(carol);
  await rejectsWith(carol.request('register', { user: 'carol\u{e0020}', password: PASSWORD }), 'CHAT_ERR_BAD_NAME');
  await rejectsWith(carol.request('register', { user: 'alice\u{e0021}', password: PASSWORD }), 'CHAT_ERR_BAD_NAME');
  await rejectsWith(clients[1]!.request('group_create', { group: 'ops\u2800' }), 'CHAT_ERR_BAD_NAME');
});

test.run();
