// test-timeout: 120
// The real `chat` binary with a config file in a temporary XDG_CONFIG_HOME: client commands take
// server and user from it, env and flags beat it, `config path` / `config show` report it, a bad
// file exits 2 naming file, line and key, and --no-config / CHAT_CONFIG= / CHAT_CONFIG=PATH.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'smol-toml';
import { startTui } from '../helpers/pty.ts';
import { jsonLines, runCli, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const test = suite('config file');
let server: RunningServer;
let xdg: string;
let file: string;
/** the default location: CHAT_CONFIG unset, XDG_CONFIG_HOME the temp dir */
const envWith = (extra: Record<string, string | undefined> = {}) => ({ CHAT_CONFIG: undefined, XDG_CONFIG_HOME: xdg, ...extra });
const write = (text: string) => writeFileSync(file, text);

test.before(async () => {
  server = await startServer();
  xdg = tempDir('chat-config-').dir;
  mkdirSync(join(xdg, 'chat'));
  file = join(xdg, 'chat', 'config.toml');
});
test.after(async () => {
  await server?.stop();
});

test('config path names $XDG_CONFIG_HOME/chat/config.toml, and says when it is missing', async () => {
  const missing = await runCli(['config', 'path', '--json'], { env: envWith() });
  assert.is(missing.code, 0, missing.stderr);
  assert.equal(jsonLines(missing.stdout), [{ type: 'config_path', path: file, exists: false }]);
  write('# empty\n');
  const found = await runCli(['config', 'path'], { env: envWith() });
  assert.is(found.stdout, `${file}\n`);
});

test('client commands take the server and the user from the file; the password from env', async () => {
  write(`# written by the test\nserver = "${server.address}"\nuser = "filer"\n`);
  const reg = await runCli(['register', '--password', 'filer-s3cret'], { env: envWith() });
  assert.is(reg.code, 0, reg.stderr);
  const friends = await runCli(['friends', '--json'], { env: envWith({ CHAT_PASSWORD: 'filer-s3cret' }) });
  assert.is(friends.code, 0, friends.stderr);
  assert.equal(jsonLines(friends.stdout), []);
});

test('env beats the file and flags beat env: an unreachable server in env, the real one as a flag', async () => {
  const viaEnv = await runCli(['friends'], { env: envWith({ CHAT_SERVER: '127.0.0.1:1', CHAT_PASSWORD: 'filer-s3cret' }) });
  assert.is(viaEnv.code, 3, 'CHAT_SERVER won over the file');
  assert.match(viaEnv.stderr, /127\.0\.0\.1:1/);
  const viaFlag = await runCli(['friends', '--server', server.address], { env: envWith({ CHAT_SERVER: '127.0.0.1:1', CHAT_PASSWORD: 'filer-s3cret' }) });
  assert.is(viaFlag.code, 0, viaFlag.stderr);
  const shown = jsonLines((await runCli(['config', 'show', '--json', '--user', 'flagger'], { env: envWith({ CHAT_USER: 'enver', CHAT_PASSWORD: 'not-shown-pw' }) })).stdout)[0];
  assert.is(shown.type, 'config');
  assert.is(shown.user, 'flagger');
  assert.is(shown.server, server.address);
  assert.is(shown.password_set, true);
  assert.is(shown.file, file);
  assert.not.ok(JSON.stringify(shown).includes('not-shown-pw'), 'config show leaves the password out');
  const human = await runCli(['config', 'show'], { env: envWith({ CHAT_PASSWORD: 'not-shown-pw' }) });
  assert.is(human.code, 0, human.stderr);
  assert.not.ok(human.stdout.includes('not-shown-pw'));
  const toml = parse(human.stdout) as Record<string, any>;
  assert.is(toml.server, server.address, 'without --json it prints TOML, shaped like the file');
  assert.equal(toml.keys.quit, ['C-c']);
});

test('a bad file: exit 2, stderr names the file, the line and the key and what is allowed', async () => {
  write(`server = "${server.address}"\n\n[theme]\nown = "cyan"\nothers = "purple"\n`);
  for (const args of [['friends'], ['config', 'show'], ['send', 'bob', 'hi']]) {
    const r = await runCli(args, { env: envWith({ CHAT_PASSWORD: 'filer-s3cret' }) });
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, `CHAT_ERR_CONFIG: config ${file}:5: theme.others: must be a colour name`);
    assert.match(r.stderr, /#rrggbb/);
  }
  // the TUI too: it stops before drawing anything
  const t = startTui([], { env: envWith() });
  try {
    assert.is(await t.waitExit(), 2);
    assert.match(t.text(), `config ${file}:5: theme.others:`);
  } finally {
    t.kill();
  }
  write('mouse = maybe\n');
  const toml = await runCli(['config', 'show'], { env: envWith() });
  assert.is(toml.code, 2);
  assert.match(toml.stderr, `config ${file}:1: not valid TOML`);
});

test('--no-config and CHAT_CONFIG= skip the (bad) file; CHAT_CONFIG=PATH names another', async () => {
  const skipped = await runCli(['friends', '--no-config', '--server', server.address, '--user', 'filer', '--password', 'filer-s3cret'], { env: envWith() });
  assert.is(skipped.code, 0, skipped.stderr);
  const empty = await runCli(['config', 'path', '--json'], { env: envWith({ CHAT_CONFIG: '' }) });
  assert.is(empty.code, 0, empty.stderr);
  assert.equal(jsonLines(empty.stdout), [{ type: 'config_path', path: null, exists: false, skipped: 'CHAT_CONFIG=' }]);
  const other = join(xdg, 'other.toml');
  writeFileSync(other, `server = "${server.address}"\nuser = "filer"\n`);
  const named = await runCli(['friends'], { env: envWith({ CHAT_CONFIG: other, CHAT_PASSWORD: 'filer-s3cret' }) });
  assert.is(named.code, 0, named.stderr);
  const gone = await runCli(['friends'], { env: envWith({ CHAT_CONFIG: join(xdg, 'nope.toml') }) });
  assert.is(gone.code, 2, 'a file CHAT_CONFIG names must exist');
  assert.match(gone.stderr, /CHAT_ERR_CONFIG: config .*nope\.toml: cannot read it/);
});

test.run();
