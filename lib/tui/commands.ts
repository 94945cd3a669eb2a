// Slash commands typed into the input line: parsing only; the controller runs them.
export type Command =
  | { cmd: 'add' | 'accept' | 'decline' | 'remove' | 'join'; name: string }
  | { cmd: 'create'; name: string; desc: string }
  | { cmd: 'leave' | 'members'; name?: string }
  | { cmd: 'decline_invite'; name: string }
  /** a moderator's action on a user of the open group */
  | { cmd: 'invite' | 'kick' | 'ban' | 'unban' | 'op' | 'deop'; user: string }
  | { cmd: 'topic'; text: string }
  | { cmd: 'private' | 'public' }
  | { cmd: 'list'; prefix?: string }
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
  '  /members [GROUP]        who is in the open group (or GROUP), with their roles',
  '  /decline #GROUP         decline an invitation to GROUP (/join GROUP accepts it)',
  '  /list [PREFIX]          public groups (whose names start with PREFIX)',
  'In the open group (creator and admins)',
  '  /invite NAME            invite NAME           /kick NAME    remove a member',
  '  /ban NAME  /unban NAME  keep NAME out, or let them back',
  '  /topic TEXT             set the topic         /private  /public   who may join',
  '  /op NAME  /deop NAME    make a member an admin, or an admin a member (creator only)',
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
  '  Esc                     close this help',
];

const NEEDS_NAME = new Set(['add', 'accept', 'decline', 'remove', 'join', 'create', 'invite', 'kick', 'ban', 'unban', 'op', 'deop']);

export function parseInput(text: string): Command {
  if (!text.startsWith('/')) return { cmd: 'send', text };
  if (text.startsWith('//')) return { cmd: 'send', text: text.slice(1) };
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(text)!;
  const cmd = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  const [name = '', ...more] = rest.split(/\s+/).filter(Boolean);
  if (NEEDS_NAME.has(cmd) && !name) return { cmd: 'error', message: `usage: /${cmd} NAME${cmd === 'create' ? ' [description]' : ''}` };
  switch (cmd) {
    case 'decline':
      if (more.length > 0) return { cmd: 'error', message: `usage: /decline NAME (one name)` };
      return name.startsWith('#') && name.length > 1 ? { cmd: 'decline_invite', name: name.slice(1) } : { cmd, name };
    case 'invite': case 'kick': case 'ban': case 'unban': case 'op': case 'deop':
      if (more.length > 0) return { cmd: 'error', message: `usage: /${cmd} NAME (one name)` };
      return { cmd, user: name };
    case 'topic':
      return rest ? { cmd, text: rest } : { cmd: 'error', message: 'usage: /topic TEXT' };
    case 'list':
      if (more.length > 0) return { cmd: 'error', message: 'usage: /list [PREFIX]' };
      return name ? { cmd, prefix: name } : { cmd };
    case 'private': case 'public':
      return rest ? { cmd: 'error', message: `usage: /${cmd} (in the open group)` } : { cmd };
    case 'add': case 'accept': case 'remove': case 'join':
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
