// test-timeout: 120
// A send that the server stored but whose ack was lost (a proxy drops the connection between
// the two) is resent with the same client_msg_id after the reconnect, so it is stored once:
// from the real TUI in a pseudo-terminal, and from `chat send`. When `chat send` cannot get back
// it says which id to resend with, and a resend with it stores nothing new.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { AckDroppingProxy } from '../helpers/ack-dropping-proxy.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('resend after a lost ack');

let server: RunningServer;
let bob: ChatClient;
const proxies: AckDroppingProxy[] = [];
let tui: Tui | undefined;
const ALICE_PW = 'alice-s3cret-pw';

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', ALICE_PW);
  bob = await connectAs(server, 'bob');
  await befriend(alice, 'alice', bob, 'bob');
  await alice.request('logout', {});
  await alice.close();
});

test.after(async () => {
  tui?.kill();
  for (const p of proxies) await p.close();
  bob?.destroy();
  await server?.stop();
});

async function proxy(): Promise<AckDroppingProxy> {
  const p = await AckDroppingProxy.start(server);
  proxies.push(p);
  return p;
}

async function storedTimes(text: string): Promise<number> {
  const { messages } = await bob.request('history', { with: 'alice', limit: 500 });
  return messages.filter((m) => m.text === text).length;
}

const bubble = (text: string) => new RegExp(`│ ${text.replace(/[?]/g, '\\?')} +│`, 'g');

test('the TUI resends a message whose ack was lost under its own id: stored once, shown once', async () => {
  const p = await proxy();
  tui = startTui(['--server', p.address, '--user', 'alice'], { cols: 100, rows: 26 });
  await tui.waitFor('Password', 15_000);
  tui.write(ALICE_PW + KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  // Ctrl-N opens the next conversation of the list: wait until the roster has filled it.
  await tui.waitFor(/● bob/);
  tui.write(KEY.ctrlN);
  await tui.waitFor(/No messages yet/);

  const text = 'are you there?';
  tui.write(text);
  await tui.waitFor(`> ${text}`);
  p.arm();
  tui.write(KEY.enter);
  await waitFor(() => p.dropped === 1, 10_000, 'the ack dropped');
  await waitFor(() => p.connections >= 2, 10_000, 'a reconnect');
  await tui.waitFor((screen) => /alice · ● connected/.test(screen) && bubble(text).test(screen) && !screen.includes('sending…'), 15_000, 'connected, the message stored');
  // A message that came back to the input is what a user sends again.
  const backInInput = tui.text().includes(`> ${text}`);
  if (backInInput) {
    tui.write(KEY.enter);
    await tui.waitFor((screen) => (screen.match(bubble(text)) ?? []).length === 2, 10_000).catch(() => {});
  }
  assert.is(await storedTimes(text), 1, 'stored once');
  assert.is((tui.text().match(bubble(text)) ?? []).length, 1, 'shown once');
  assert.not.ok(backInInput, 'the message was not handed back to be typed again');

  tui.write(KEY.ctrlC);
  assert.is(await tui.waitExit(), 0);
  tui = undefined;
});

test('chat send resends a message whose ack was lost with the same id: stored once, reported as a duplicate', async () => {
  const p = await proxy();
  p.arm();
  const text = 'sent through a lossy link';
  const r = await runCli(['--server', p.address, '--user', 'alice', '--password', ALICE_PW, '--json', 'send', 'bob', text]);
  assert.is(r.code, 0, r.stderr);
  assert.is(p.dropped, 1);
  const [sent] = jsonLines(r.stdout);
  assert.is(sent.type, 'sent');
  assert.is(sent.duplicate, true, 'the retry found the first try stored');
  assert.is(await storedTimes(text), 1);
});

test('chat send that cannot get back names the id to resend with, and resending with it stores nothing new', async () => {
  const p = await proxy();
  p.arm('refuse'); // every reconnect fails
  const text = 'outcome unknown';
  const r = await runCli(['--server', p.address, '--user', 'alice', '--password', ALICE_PW, 'send', 'bob', text]);
  assert.is(p.dropped, 1);
  assert.is(r.code, 3, r.stderr);
  const id = r.stderr.match(/--client-msg-id (\S+)/)?.[1];
  assert.ok(id, r.stderr);
  assert.is(await storedTimes(text), 1, 'the first try was stored');

  const again = await runCli(['--server', server.address, '--user', 'alice', '--password', ALICE_PW, '--json', 'send', '--client-msg-id', id!, 'bob', text]);
  assert.is(again.code, 0, again.stderr);
  assert.is(jsonLines(again.stdout)[0].duplicate, true);
  assert.is(await storedTimes(text), 1, 'still once');
});

test.run();
