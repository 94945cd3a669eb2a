// test-timeout: 120
// The real `chat` binary in a pseudo-terminal: "bob is typing…" shows in the open conversation
// when bob's client sends `typing` and goes once the notice runs out; typing in the TUI sends
// `typing` to bob; in 1:1 my stored message shows ✓, and ✓✓ once bob's `read` reaches it (the
// `receipt` push), and a TUI started later shows ✓✓ from the start (the `receipts` request).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('tui-typing-receipts');
const PW = 'alice-s3cret-pw';
let server: RunningServer;
let bob: ChatClient;
let tui: Tui;
let later: Tui | undefined;
const pushes: PushFrame[] = [];

async function loginAndOpenBob(t: Tui): Promise<void> {
  await t.waitFor('Password', 15_000);
  t.write(PW + KEY.enter);
  await t.waitFor(/alice · ● connected/);
  for (let i = 0; i < 5 && !/─ bob · (online|offline)/.test(t.text()); i++) {
    t.write(KEY.ctrlN);
    await t.waitFor((s) => /─ \w+ · (online|offline)/.test(s), 5000, 'a conversation to open');
  }
  await t.waitFor(/─ bob · (online|offline)/);
}

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  await befriend(alice, 'alice', bob, 'bob');
  await alice.request('logout', {});
  await alice.close();
  bob.onPush((f) => pushes.push(f));
});

test.after(async () => {
  tui?.kill();
  later?.kill();
  await bob?.close();
  await server?.stop();
});

test('bob typing shows in the open conversation, and goes when the notice runs out', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  await loginAndOpenBob(tui);
  await bob.request('typing', { with: 'alice' });
  await tui.waitFor(/bob · online · bob is typing…/);
  await tui.waitFor((t) => !t.includes('is typing'), 10_000, 'the notice to run out');
});

test('typing in the TUI tells bob', async () => {
  tui.write('h');
  await tui.waitFor(/> h/);
  const deadline = Date.now() + 5000;
  while (!pushes.some((p) => p.type === 'typing' && p.from === 'alice') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(pushes.some((p) => p.type === 'typing' && p.from === 'alice' && p.group === undefined), 'bob got a typing push from alice');
  tui.write(KEY.backspace);
});

test('my message shows ✓ once stored and ✓✓ once bob has read it; a TUI started later shows ✓✓ at once', async () => {
  tui.write('receipt me' + KEY.enter);
  await tui.waitFor(/╭─ \d\d:\d\d ✓ ─+╮/);
  assert.not.match(tui.text(), /✓✓/);
  const sent = pushes.find((p): p is Extract<PushFrame, { type: 'message' }> => p.type === 'message' && p.text === 'receipt me');
  const m = sent ?? (await new Promise<Extract<PushFrame, { type: 'message' }>>((resolve) => {
    const off = bob.onPush((p) => p.type === 'message' && p.text === 'receipt me' && (off(), resolve(p)));
  }));
  await bob.request('read', { conversation: m.conversation, seq: m.seq });
  await tui.waitFor(/╭─ \d\d:\d\d ✓✓ ─+╮/);
  later = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  await loginAndOpenBob(later);
  await later.waitFor(/│ receipt me +│/);
  await later.waitFor(/╭─ \d\d:\d\d ✓✓ ─+╮/);
});

test.run();
