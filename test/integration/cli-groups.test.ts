// test-timeout: 240
// The group commands of the real `chat` binary against a real server: a private group with
// roles, invitations, kicks and bans, settings and deletion; --json records, and refusals that
// exit 1 with the stable code first on stderr.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonLines, runCli, startServer, type RunningServer } from '../helpers/server.ts';

const cli = suite('chat CLI: groups');
let server: RunningServer;
const as = (user: string, ...args: string[]) =>
  runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret`, ...args]);
const ok = async (user: string, ...args: string[]) => {
  const r = await as(user, ...args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
};
const refused = async (code: string, user: string, ...args: string[]) => {
  const r = await as(user, ...args);
  assert.is(r.code, 1, `${args.join(' ')} exits 1`);
  assert.match(r.stderr, new RegExp(`^${code}: `));
};

cli.before(async () => {
  server = await startServer();
  for (const u of ['ann', 'bob', 'cid']) {
    const r = await runCli(['--server', server.address, 'register', '--user', u, '--password', `${u}-s3cret`]);
    assert.is(r.code, 0, r.stderr);
  }
});
cli.after(async () => {
  await server.stop();
});

cli('a private group: invitations, roles, kick and ban, settings, transfer and delete', async () => {
  const created = jsonLines((await ok('ann', 'group', 'create', 'ops', '--desc', 'on call', '--private', '--json')).stdout);
  assert.equal(created.map((r) => [r.type, r.action, r.group, r.private, r.history]), [['group_action', 'create', 'ops', true, 'joined']]);
  await refused('CHAT_ERR_NO_SUCH_GROUP', 'bob', 'group', 'join', 'ops');
  await refused('CHAT_ERR_NO_SUCH_GROUP', 'bob', 'group', 'members', 'ops');
  await ok('ann', 'group', 'invite', 'ops', 'bob');
  await ok('ann', 'group', 'invite', 'ops', 'cid');
  assert.equal(jsonLines((await ok('bob', 'groups', '--invites', '--json')).stdout), [{ type: 'group_invite', group: 'ops', desc: 'on call', from: 'ann' }]);
  await ok('bob', 'group', 'join', 'ops');
  await ok('cid', 'group', 'join', 'ops');
  await ok('ann', 'group', 'role', 'ops', 'bob', 'admin');
  const members = jsonLines((await ok('cid', 'group', 'members', 'ops', '--json')).stdout);
  assert.equal(members.map((m) => [m.type, m.name, m.role]), [['member', 'ann', 'creator'], ['member', 'bob', 'admin'], ['member', 'cid', 'member']]);
  assert.match((await ok('cid', 'group', 'members', 'ops')).stdout, /^bob\tadmin\t/m);
  await refused('CHAT_ERR_FORBIDDEN', 'cid', 'group', 'kick', 'ops', 'bob');
  await refused('CHAT_ERR_FORBIDDEN', 'bob', 'group', 'kick', 'ops', 'ann');
  await ok('bob', 'group', 'topic', 'ops', 'new', 'topic');
  assert.equal(jsonLines((await ok('cid', 'groups', '--json')).stdout).map((g) => [g.name, g.desc, g.role, g.private]), [['ops', 'new topic', 'member', true]]);
  await ok('bob', 'group', 'kick', 'ops', 'cid');
  await refused('CHAT_ERR_NO_SUCH_GROUP', 'cid', 'history', '--group', 'ops');
  await ok('ann', 'group', 'invite', 'ops', 'cid');
  await ok('cid', 'group', 'decline', 'ops');
  await ok('bob', 'group', 'ban', 'ops', 'cid');
  await refused('CHAT_ERR_USER_BANNED', 'ann', 'group', 'invite', 'ops', 'cid');
  await ok('ann', 'group', 'unban', 'ops', 'cid');
  const set = jsonLines((await ok('bob', 'group', 'set', 'ops', '--public', '--history', 'shared', '--json')).stdout);
  assert.equal(set.map((r) => [r.action, r.private, r.history]), [['set', false, 'shared']]);
  await ok('cid', 'group', 'join', 'ops');
  await refused('CHAT_ERR_FORBIDDEN', 'bob', 'group', 'delete', 'ops');
  await ok('ann', 'group', 'transfer', 'ops', 'cid');
  await refused('CHAT_ERR_FORBIDDEN', 'ann', 'group', 'role', 'ops', 'bob', 'member');
  await ok('cid', 'group', 'delete', 'ops');
  assert.equal(jsonLines((await ok('ann', 'groups', '--json')).stdout), []);
});

cli('groups --public: the directory, by prefix and a page at a time; private groups are not in it', async () => {
  for (const g of ['dev', 'devops', 'design', 'art']) await ok('bob', 'group', 'create', g, '--desc', `about ${g}`);
  await ok('bob', 'group', 'create', 'devsecret', '--private');
  const first = jsonLines((await ok('cid', 'groups', '--public', '--prefix', 'DE', '--limit', '2', '--json')).stdout);
  assert.equal(first, [
    { type: 'public_group', name: 'design', desc: 'about design', members: 1 },
    { type: 'public_group', name: 'dev', desc: 'about dev', members: 1 },
    { type: 'next', after: 'dev' },
  ]);
  const second = jsonLines((await ok('cid', 'groups', '--public', '--prefix', 'de', '--limit', '2', '--after', 'dev', '--json')).stdout);
  assert.equal(second, [{ type: 'public_group', name: 'devops', desc: 'about devops', members: 1 }]);
  assert.match((await ok('cid', 'groups', '--public')).stdout, /^art\t1 members\tabout art$/m);
  assert.is((await as('cid', 'groups', '--prefix', 'de')).code, 2, '--prefix needs --public');
});

cli('usage errors exit 2', async () => {
  assert.is((await as('ann', 'group', 'role', 'x', 'bob', 'king')).code, 2);
  assert.is((await as('ann', 'group', 'kick', 'x')).code, 2);
  assert.is((await as('ann', 'group', 'set', 'x')).code, 2);
  assert.is((await as('ann', 'group', 'set', 'x', '--private', '--public')).code, 2);
});

cli.run();
