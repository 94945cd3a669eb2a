// test-timeout: 180
// `search` end to end: the request on a real server over a real socket, on SQLite and on MySQL
// (the same queries find the same messages), and `chat search` through the real binary.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { Results } from '../../lib/protocol/messages.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, type RunningServer } from '../helpers/server.ts';

// Asked before any suite exists: uvu starts running suites once the module has queued one, and a
// top-level await between two suites would let the first start while the rest are being defined.
const withMysql = await requireMariadb('test/integration/search.test.ts');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err: any) {
    return err.code;
  }
}

function protocolSuite(label: string, start: () => Promise<{ server: RunningServer; drop: () => Promise<void> }>): void {
  const test = suite(`search over the protocol: ${label}`);
  let server: RunningServer;
  let drop: () => Promise<void>;
  let ann: ChatClient;
  let bob: ChatClient;
  let cid: ChatClient;

  test.before(async () => {
    ({ server, drop } = await start());
    [ann, bob, cid] = await Promise.all(['ann', 'bob', 'cid'].map((u) => connectAs(server, u)));
    await befriend(ann!, 'ann', bob!, 'bob');
    await befriend(bob!, 'bob', cid!, 'cid');
    await ann!.request('group_create', { group: 'team' });
    await bob!.request('group_join', { group: 'team' });
    await ann!.request('send', { to: 'bob', text: '明天的会议改到下午' });
    await bob!.request('send', { to: 'ann', text: 'Hello, Ann' });
    await bob!.request('send', { to: 'cid', text: '数据 for cid only' });
    await bob!.request('send', { group: 'team', text: '会议纪要 hello team' });
    await ann!.request('send', { group: 'team', text: 'hello from ann' });
  });
  test.after(async () => {
    for (const c of [ann, bob, cid]) c?.destroy();
    await server?.stop();
    await drop?.();
  });

  const texts = (r: Results['search']) => r.results.map((x) => x.text);

  test('Chinese two-character words and parts of words, newest first, with a snippet', async () => {
    assert.equal(texts(await ann.request('search', { query: '会议' })), ['会议纪要 hello team', '明天的会议改到下午']);
    assert.equal(texts(await ann.request('search', { query: 'ELLO' })), ['hello from ann', '会议纪要 hello team', 'Hello, Ann']);
    const [first] = (await ann.request('search', { query: '下午' })).results;
    assert.equal({ ...first, ts: '' }, {
      conversation: first!.conversation, seq: 1, from: 'ann', to: 'bob', text: '明天的会议改到下午', ts: '', snippet: '明天的会议改到下午',
    });
  });

  test('scoped to a friend, a group or a sender; never another user’s conversation', async () => {
    assert.equal(texts(await ann.request('search', { query: 'hello', with: 'bob' })), ['Hello, Ann']);
    assert.equal(texts(await ann.request('search', { query: 'hello', group: 'team', from: 'bob' })), ['会议纪要 hello team']);
    assert.equal(texts(await ann.request('search', { query: '数据' })), [], 'bob and cid’s conversation');
    assert.equal(texts(await cid.request('search', { query: '数据' })), ['数据 for cid only']);
    assert.is(await codeOf(cid.request('search', { query: 'hello', group: 'team' })), 'CHAT_ERR_NOT_MEMBER');
    assert.is(await codeOf(ann.request('search', { query: 'x', with: 'cid' })), 'CHAT_ERR_NOT_FRIENDS');
    assert.is(await codeOf(ann.request('search', { query: 'x', from: 'nobody' })), 'CHAT_ERR_NO_SUCH_USER');
    assert.is(await codeOf(ann.request('search', { query: 'x', with: 'bob', group: 'team' })), 'CHAT_ERR_BAD_FIELD');
    assert.is(await codeOf(ann.request('search', { query: '   ' })), 'CHAT_ERR_BAD_FIELD');
    assert.is(await codeOf(ann.request('search', { query: 'x', cursor: 'not a cursor' })), 'CHAT_ERR_BAD_SEARCH_CURSOR');
  });

  test('pages with next_cursor are disjoint and newest first; the last has none', async () => {
    const all = texts(await ann.request('search', { query: 'e' }));
    assert.ok(all.length >= 3, all.join(' | '));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await ann.request('search', { query: 'e', limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...texts(page));
      cursor = page.next_cursor;
      if (cursor === undefined) break;
    }
    assert.equal(seen, all);
  });

  test('leaving the group ends access to its messages', async () => {
    await cid.request('group_join', { group: 'team' });
    assert.equal(texts(await cid.request('search', { query: 'team' })), ['会议纪要 hello team']);
    await cid.request('group_leave', { group: 'team' });
    assert.equal(texts(await cid.request('search', { query: 'team' })), []);
  });

  test.run();
}

protocolSuite('SQLite', async () => ({ server: await startServer(), drop: async () => {} }));

if (withMysql) {
  protocolSuite('MySQL', async () => {
    const db = scratchDb();
    return { server: await startServer({ db: db.url }), drop: () => db.drop() };
  });
}

const cli = suite('chat search');
let server: RunningServer;
const as = (user: string, ...args: string[]) => runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret-pw`, ...args]);

cli.before(async () => {
  server = await startServer();
  const [ann, bob] = await Promise.all(['ann', 'bob'].map((u) => connectAs(server, u)));
  await befriend(ann!, 'ann', bob!, 'bob');
  await ann!.request('group_create', { group: 'team' });
  for (let i = 1; i <= 5; i++) await bob!.request('send', { to: 'ann', text: `数据 report ${i}` });
  await ann!.request('send', { group: 'team', text: '数据 in the group' });
  ann!.destroy();
  bob!.destroy();
});
cli.after(async () => {
  await server?.stop();
});

cli('--json prints one search_result per hit, then search_page with the cursor that --after takes', async () => {
  const first = await as('ann', 'search', '数据', '--with', 'bob', '--limit', '3', '--json');
  assert.is(first.code, 0, first.stderr);
  const lines = jsonLines(first.stdout);
  assert.equal(lines.map((l) => [l.type, l.text]), [
    ['search_result', '数据 report 5'], ['search_result', '数据 report 4'], ['search_result', '数据 report 3'], ['search_page', undefined],
  ]);
  assert.is(lines[0].snippet, '数据 report 5');
  const cursor = lines[3].next_cursor;
  assert.type(cursor, 'string');
  const second = jsonLines((await as('ann', 'search', '数据', '--with', 'bob', '--limit', '3', '--json', '--after', cursor)).stdout);
  assert.equal(second.map((l) => l.text ?? l.next_cursor), ['数据 report 2', '数据 report 1', null]);
});

cli('text output names where, who and #seq; every word must appear; --group and --from narrow', async () => {
  const text = await as('ann', 'search', '数据', 'REPORT', '1');
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /^\[\d{4}-[^\]]+\] bob → ann #1: 数据 report 1\n\(no more results\)\n$/);
  const group = jsonLines((await as('ann', 'search', '数据', '--group', 'team', '--from', 'ann', '--json')).stdout);
  assert.equal(group.map((l) => l.text ?? l.next_cursor), ['数据 in the group', null]);
  const denied = await as('bob', 'search', '数据', '--group', 'team');
  assert.is(denied.code, 1);
  assert.match(denied.stderr, /^CHAT_ERR_NOT_MEMBER: /);
  const usage = await as('ann', 'search', 'x', '--with', 'bob', '--group', 'team');
  assert.is(usage.code, 2);
});

cli.run();
