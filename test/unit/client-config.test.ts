import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SERVER, lineOf, locateConfig, parseConfigFile, resolveClientConfig, showableConfig, type ClientSources } from '../../lib/client-config.ts';
import { helpLines } from '../../lib/tui/commands.ts';
import { DEFAULT_KEYS, KeyMap } from '../../lib/tui/keys.ts';

const PATH = '/home/a/.config/chat/config.toml';

function resolve(fileText: string, env: Partial<ClientSources['env']> = {}, flags: ClientSources['flags'] = {}) {
  return resolveClientConfig({
    file: parseConfigFile(fileText, PATH),
    location: { path: PATH, explicit: false },
    loaded: true,
    env: { noColor: false, ...env },
    flags,
    home: '/home/a',
  });
}

function configError(text: string): string {
  try {
    parseConfigFile(text, PATH);
  } catch (err: any) {
    assert.is(err.code, 'CHAT_ERR_CONFIG');
    return err.message;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

test('where the file is: CHAT_CONFIG=PATH, CHAT_CONFIG= and --no-config, XDG_CONFIG_HOME, ~/.config', () => {
  const home = '/home/a';
  assert.equal(locateConfig({ noConfig: false, chatConfig: undefined, xdgConfigHome: undefined, home }), { path: '/home/a/.config/chat/config.toml', explicit: false });
  assert.equal(locateConfig({ noConfig: false, chatConfig: undefined, xdgConfigHome: '/x', home }).path, '/x/chat/config.toml');
  assert.equal(locateConfig({ noConfig: false, chatConfig: undefined, xdgConfigHome: 'relative', home }).path, '/home/a/.config/chat/config.toml');
  assert.equal(locateConfig({ noConfig: false, chatConfig: '/etc/chat.toml', xdgConfigHome: '/x', home }), { path: '/etc/chat.toml', explicit: true });
  assert.equal(locateConfig({ noConfig: false, chatConfig: '', xdgConfigHome: '/x', home }), { path: null, explicit: false, skipped: 'CHAT_CONFIG=' });
  assert.equal(locateConfig({ noConfig: true, chatConfig: '/etc/chat.toml', xdgConfigHome: '/x', home }), { path: null, explicit: false, skipped: '--no-config' });
});

test('precedence: flags beat env, env beats the file, the file beats the defaults', () => {
  const file = 'server = "file.example:7000"\nuser = "fileuser"\ntls = false\n';
  assert.is(resolve('').server, DEFAULT_SERVER);
  assert.is(resolve(file).server, 'file.example:7000');
  assert.is(resolve(file).user, 'fileuser');
  assert.is(resolve(file, { server: 'env.example:1' }).server, 'env.example:1');
  assert.is(resolve(file, { server: 'env.example:1' }, { server: 'flag.example:2' }).server, 'flag.example:2');
  assert.is(resolve(file, { user: 'envuser' }, { user: 'flaguser' }).user, 'flaguser');
  assert.is(resolve(file, { user: '' }).user, 'fileuser', 'an empty env var counts as unset');
  assert.is(resolve(file).tls, false);
  assert.is(resolve(file, { tls: true }).tls, true);
  assert.is(resolve('tls = true', { tls: true }, { tls: false }).tls, false, '--no-tls beats env and file');
  assert.is(resolve('tls = true', { tls: false }).tls, false, 'CHAT_TLS=0 beats the file');
});

test('ca: from the file, relative to the file and ~/ expanded; it implies tls; env and flags beat it', () => {
  assert.is(resolve('ca = "certs/ca.pem"').ca, '/home/a/.config/chat/certs/ca.pem');
  assert.is(resolve('ca = "~/ca.pem"').ca, '/home/a/ca.pem');
  assert.is(resolve('ca = "/etc/ca.pem"').tls, true);
  assert.is(resolve('ca = "/etc/ca.pem"', { ca: '/env/ca.pem' }).ca, '/env/ca.pem');
  assert.is(resolve('ca = "/etc/ca.pem"', { ca: '/env/ca.pem' }, { ca: '/flag/ca.pem' }).ca, '/flag/ca.pem');
});

test('the TUI slice: theme, keys per action, mouse, time formats, notifications, NO_COLOR', () => {
  const c = resolve([
    'mouse = false',
    '[time]',
    'today = "%I:%M %p"',
    '[theme]',
    'own = "#5f87af"',
    'others = "244"',
    '[keys]',
    'next_conversation = ["C-n", "M-pagedown"]',
    'close_overlay = ["q"]',
    '[notifications]',
    'desktop = "command"',
    'command = ["notify-send", "{sender}", "{text}"]',
  ].join('\n'), { noColor: true });
  assert.is(c.tui.mouse, false);
  assert.is(c.tui.time.today, '%I:%M %p');
  assert.is(c.tui.time.older, '%b %e %H:%M');
  assert.is(c.tui.theme.colors.own, '#5f87af');
  assert.is(c.tui.theme.colors.others, '244');
  assert.is(c.tui.theme.colors.highlight, 'yellow');
  assert.is(c.tui.theme.monochrome, true);
  assert.equal(c.tui.keys.next_conversation, ['C-n', 'M-pagedown']);
  assert.equal(c.tui.keys.quit, DEFAULT_KEYS.quit);
  assert.equal(c.tui.notifications, { bell: true, direct: true, mentions: true, desktop: 'command', command: ['notify-send', '{sender}', '{text}'] });
  assert.is(resolve('').tui.mouse, true);
  assert.is(resolve('').tui.theme.monochrome, false);
});

test('config show leaves the password out, saying only whether one is set', () => {
  const shown = showableConfig(resolve('', { password: 'hunter2-secret' }));
  assert.not.ok(JSON.stringify(shown).includes('hunter2'));
  assert.is(shown.password_set, true);
});

test('an error names the file, the line and the key, and says what is allowed', () => {
  const text = [
    '# my chat config',
    'server = "chat.example.org:6000"',
    '',
    '[theme]',
    'own = "cyan"',
    'others = "purple"',
  ].join('\n');
  const msg = configError(text);
  assert.match(msg, `config ${PATH}:6: theme.others:`);
  assert.match(msg, /colour name .*0-255 or #rrggbb/);
});

test('errors point at the right line for each kind of mistake', () => {
  const cases: [string, RegExp][] = [
    ['user = "a"\nserver = 6000\n', /:2: server: must be "HOST:PORT"/],
    ['server = "a b:1"', /:1: server:/],
    ['\n\nmouse = "yes"', /:3: mouse: must be true or false/],
    ['[keys]\nquit = ["C-q"]\n\nretry = ["C-q"]\n', /:4: keys\.retry: "C-q" is already bound to quit/],
    ['[keys]\nquit = "C-q"\n', /:2: keys\.quit: must be a list of key names/],
    ['[keys]\nquit = ["Ctrl+Q"]\n', /:2: keys\.quit\[0\]: is not a key name/],
    ['[keys]\nquit = []\n', /:2: keys\.quit: must list at least one key/],
    ['[keys]\nquit = ["C-q", "q"]\n', /:2: keys\.quit\[1\]: "q" types or edits text/],
    ['[keys]\n\npage_up = ["up"]\n', /:3: keys\.page_up\[0\]: "up" types or edits text/],
    ['[keys]\n\nfrobnicate = ["x"]\n', /:3: keys\.frobnicate: unknown key; allowed here: quit, complete, complete_previous, switch_focus/],
    ['colour = "red"', /:1: colour: unknown key; allowed here: server, user, tls, ca, mouse, time, theme, keys, notifications/],
    ['[themes]\nown = "red"', /:1: themes: unknown key/],
    ['user = "a"\npassword = "secret"', /:2: password: passwords do not go in the config file/],
    ['[notifications]\nbell = true\ndesktop = "growl"\n', /:3: notifications\.desktop: must be one of "off", "osc777", "osc9", "command"/],
    ['[notifications]\ndesktop = "command"\n', /:2: notifications\.desktop: desktop = "command" needs command/],
    ['[notifications]\ncommand = "notify-send"\n', /:2: notifications\.command: must be a list/],
    ['[notifications]\ncommand = [\n  "notify-send",\n  3,\n]\n', /:2: notifications\.command\[1\]: must be a string/],
    ['[time]\ntoday = "%H:%Q"\n', /:2: time\.today: %Q is not a field: use %H/],
    ['theme = "dark"', /:1: theme: must be a table: \[theme\]/],
    ['theme.own = "nope"', /:1: theme\.own:/],
    ['[theme]\n"own" = "nope"', /:2: theme\.own:/],
    ['user = "a"\nuser = "b"\n', /:2: not valid TOML/],
    ['mouse = = true', /:1: not valid TOML/],
    ['user = """\nmouse = 1\n"""\nmouse = "no"\n', /:4: mouse: must be true or false/],
  ];
  for (const [text, want] of cases) assert.match(configError(text), want, JSON.stringify(text));
});

test('lineOf skips multi-line strings and follows table headers and dotted keys', () => {
  const text = ['a = """', 'own = 1', '"""', '[theme]', 'x = 1', 'own = 2', '[keys]', 'own = 3'].join('\n');
  assert.is(lineOf(text, ['theme', 'own']), 6);
  assert.is(lineOf(text, ['keys', 'own']), 8);
  assert.is(lineOf(text, ['keys', 'missing']), 7, 'a key not written: its table header');
  assert.is(lineOf(text, ['nowhere']), 1);
  assert.is(lineOf('[notifications]\ncommand = ["a",\n 3]', ['notifications', 'command', 1]), 2);
});

test('an empty file and a file of comments are the defaults', () => {
  assert.equal(parseConfigFile('', PATH), {});
  assert.equal(parseConfigFile('# nothing yet\n\n', PATH), {});
});

test('[keys] covers every action of the one table: paging, jumps, the hotlist, selection mode; /help shows them as bound', () => {
  const c = resolve(['[keys]', 'jump_unread = ["M-j"]', 'jump_hotlist = ["f2"]', 'page_up = ["M-pageup"]', 'select_message = ["C-s"]', 'react = ["*"]', 'result_open = ["tab"]'].join('\n'));
  assert.equal([c.tui.keys.jump_unread, c.tui.keys.jump_hotlist, c.tui.keys.react], [['M-j'], ['f2'], ['*']]);
  const help = helpLines(new KeyMap(c.tui.keys)).join('\n');
  assert.match(help, /Alt-J +jump to the first unread message/);
  assert.match(help, /F2 +open the conversation most recently active/);
  assert.match(help, /Ctrl-S +select a message/);
  assert.match(help, /\* react/);
  assert.not.match(help, /Alt-U\b/, 'the default no longer listed');
  assert.match(configError('[keys]\njump_unread = ["C-x"]\n'), /keys\.jump_unread: "C-x" is already bound to select_message/);
});

test.run();
