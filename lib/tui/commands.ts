// Slash commands typed into the input line: parsing only; the controller runs them.
import { NOTIFY_LEVELS, type NotifyLevel } from '../protocol/messages.ts';

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
  | { cmd: 'mute'; level: NotifyLevel }
  | { cmd: 'search'; query: string }
  | { cmd: 'send'; text: string }
  | { cmd: 'error'; message: string };

export const HELP: string[] = [
  'Commands',
  '  /add /accept /decline /remove NAME   friend requests and friendships',
  '  /create GROUP [about]   create a group   /join GROUP   join (accepts an invitation)',
  '  /leave [GROUP]          leave a group    /decline #GROUP   decline an invitation',
  '  /members [GROUP]        who is in the open group (or GROUP), with their roles',
  '  /mute [mentions|none]   notify of mentions only, or of nothing   /unmute   of everything',
  '  /search QUERY           find messages; Up/Down pick, Enter opens it in its conversation',
  '  In the open group (creator and admins): /invite /kick /ban /unban NAME, /topic TEXT,',
  '  /private, /public; the creator only: /op NAME, /deop NAME',
  '  /list [PREFIX]          public groups (whose names start with PREFIX)',
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
  '  Up (empty input)        edit your last message (Enter saves, Esc cancels)',
  '  Ctrl-X                  select a message: Up/Down pick it, then',
  '                          r reply · e edit · + react · d delete (y confirms) · Esc done',
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
    case 'mute': {
      const level = name || 'none';
      if (more.length > 0 || !(NOTIFY_LEVELS as readonly string[]).includes(level)) return { cmd: 'error', message: 'usage: /mute [mentions|none]' };
      return { cmd, level: level as NotifyLevel };
    }
    case 'unmute':
      if (name) return { cmd: 'error', message: 'usage: /unmute (the open conversation)' };
      return { cmd: 'mute', level: 'all' };
    case 'search':
      return rest ? { cmd, query: rest } : { cmd: 'error', message: 'usage: /search QUERY' };
    default:
      return { cmd: 'error', message: `unknown command /${cmd}: /help lists them` };
  }
}
