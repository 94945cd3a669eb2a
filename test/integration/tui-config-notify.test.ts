// test-timeout: 120
// The config file's [notifications] drives the real `chat` binary's notifier: with `bell = false`
// a direct message arriving in a conversation not looked at rings no BEL (it still joins the
// hotlist), and with `desktop = "osc9"` the same message writes the bell and an OSC 9
// notification. Each run is a pseudo-terminal given its file through CHAT_CONFIG.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const test = suite('tui-config-notify');
const PW = 'alice-s3cret-pw';
let server: RunningServer;
let bob: ChatClient;
let carol: ChatClient;
let tui: Tui | undefined;
let dir: string;
let raw = '';

/** BEL bytes written, leaving out those that end an OSC (a window title). */
const bells = () => (raw.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '').match(/\x07/g) ?? []).length;

test.before(async () => {
  server = await startServer();
  dir = tempDir('chat-tui-notify-conf-').dir;
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  carol = await connectAs(server, 'carol');
  await befriend(alice, 'alice', bob, 'bob');
  await befriend(alice, 'alice', carol, 'carol');
  await alice.request('logout', {});
  await alice.close();
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await carol?.close();
  await server?.stop();
});

/** Logs in with the file at `notifications`, opens carol, and has bob send a DM: resolves once the hotlist shows it. */
async function dmWhileInCarol(name: string, notifications: string[], text: string): Promise<void> {
  const path = join(dir, name);
  writeFileSync(path, [`server = "${server.address}"`, 'user = "alice"', '[notifications]', ...notifications].join('\n'));
  raw = '';
  tui?.kill(); // one left by a failed test before
  tui = startTui([], { cols: 100, rows: 30, env: { CHAT_CONFIG: path } });
  tui.proc.onData((d) => (raw += d));
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  for (let i = 0; i < 5 && !/─ carol · (online|offline)/.test(tui.text()); i++) {
    tui.write(KEY.ctrlN);
    await tui.waitFor((s) => /─ \w+ · (online|offline)/.test(s), 5000, 'a conversation to open');
  }
  await tui.waitFor(/─ carol · (online|offline)/);
  await bob.request('send', { to: 'alice', text });
  await tui.waitFor(/act: .*bob\(1\)/);
}

test('bell = false: a DM elsewhere rings no bell, and still joins the hotlist', async () => {
  await dmWhileInCarol('quiet.toml', ['bell = false'], 'psst from bob');
  assert.is(bells(), 0, 'no BEL written');
  tui!.write(KEY.ctrlC);
  await tui!.exited;
});

test('desktop = "osc9": the same DM rings the bell and writes an OSC 9 notification', async () => {
  await dmWhileInCarol('osc9.toml', ['desktop = "osc9"'], 'again from bob');
  await tui!.waitFor(() => bells() > 0, 5000, 'a BEL');
  assert.match(raw, /\x1b\]9;bob: again from bob\x1b\\/);
  tui!.write(KEY.ctrlC);
  await tui!.exited;
});

test.run();
