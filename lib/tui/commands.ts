// Slash commands typed into the input line: parsing only; the controller runs them.
export type Command =
  | { cmd: 'add' | 'accept' | 'decline' | 'remove' | 'join'; name: string }
  | { cmd: 'create'; name: string; desc: string }
  | { cmd: 'leave' | 'members'; name?: string }
  | { cmd: 'help' | 'quit' }
  | { cmd: 'send'; text: string }
  | { cmd: 'error'; message: string };

export const HELP: string[] = [
  'Commands',
  '  /add NAME               send a friend request',
  '  /accept NAME            accept a friend request',
  '  /decline NAME           decline a friend request',
  '  /remove NAME            end a friendship (or withdraw your request)',
  '  /create GROUP [about]   create a group with an optional description',
  '  /join GROUP             join a group',
  '  /leave [GROUP]          leave the open group (or GROUP)',
  '  /members [GROUP]        who is in the open group (or GROUP)',
  '  /help                   this help          /quit   leave (Ctrl-C too)',
  '  //text                  send text that starts with a slash',
  '',
  'Keys',
  '  Enter                   send            Alt-Enter or Ctrl-J   new line',
  '  Tab                     switch between the list and the input',
  '  Up/Down, Enter          in the list: pick and open a conversation',
  '  Ctrl-N / Ctrl-P         open the next / previous conversation',
  '  PgUp / PgDn             scroll the conversation (End: newest)',
  '  Ctrl-R                  reconnect now (when the server is away)',
  '  Ctrl-L                  narrow terminals: show / hide the conversation list',
  '  Mouse                   wheel scrolls, a click opens (mouse = false turns it off)',
  '  Esc                     close this help',
];

const NEEDS_NAME = new Set(['add', 'accept', 'decline', 'remove', 'join', 'create']);

export function parseInput(text: string): Command {
  if (!text.startsWith('/')) return { cmd: 'send', text };
  if (text.startsWith('//')) return { cmd: 'send', text: text.slice(1) };
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(text)!;
  const cmd = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  const [name = '', ...more] = rest.split(/\s+/).filter(Boolean);
  if (NEEDS_NAME.has(cmd) && !name) return { cmd: 'error', message: `usage: /${cmd} NAME${cmd === 'create' ? ' [description]' : ''}` };
  switch (cmd) {
    case 'add': case 'accept': case 'decline': case 'remove': case 'join':
      if (more.length > 0) return { cmd: 'error', message: `usage: /${cmd} NAME (one name)` };
      return { cmd, name };
    case 'create':
      return { cmd, name, desc: rest.slice(name.length).trim() };
    case 'leave': case 'members':
      return name ? { cmd, name } : { cmd };
    case 'help': case 'quit':
      return { cmd };
    default:
      return { cmd: 'error', message: `unknown command /${cmd}: /help lists them` };
  }
}
