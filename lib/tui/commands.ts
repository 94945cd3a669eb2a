// Slash commands typed into the input line: parsing only; the controller runs them.
import { NOTIFY_LEVELS, type NotifyLevel } from '../protocol/messages.ts';
import { KeyMap } from './keys.ts';

export type Command =
  | { cmd: 'add' | 'accept' | 'decline' | 'remove' | 'join' | 'block' | 'unblock'; name: string }
  | { cmd: 'create'; name: string; desc: string }
  | { cmd: 'leave' | 'members'; name?: string }
  | { cmd: 'decline_invite'; name: string }
  /** a moderator's action on a user of the open group */
  | { cmd: 'invite' | 'kick' | 'ban' | 'unban' | 'op' | 'deop'; user: string }
  | { cmd: 'topic'; text: string }
  | { cmd: 'private' | 'public' }
  | { cmd: 'list'; prefix?: string }
  | { cmd: 'help' | 'quit' }
  /** account: change the password (asked masked), list or end sessions */
  | { cmd: 'passwd' | 'sessions' | 'logout_all' }
  | { cmd: 'revoke'; id: string }
  | { cmd: 'mute'; level: NotifyLevel }
  | { cmd: 'search'; query: string }
  | { cmd: 'send'; text: string }
  | { cmd: 'error'; message: string };

const COMMAND_HELP: string[] = [
  'Commands',
  '  /add NAME               send a friend request',
  '  /accept NAME            accept a friend request',
  '  /decline NAME           decline a friend request',
  '  /remove NAME            end a friendship (or withdraw your request)',
  '  /block NAME  /unblock NAME  hide a user\'s messages (ends a friendship), or show them again',
  '  /create GROUP [about]   create a group with an optional description',
  '  /join GROUP             join a group',
  '  /leave [GROUP]          leave the open group (or GROUP)',
  '  /members [GROUP]        who is in the open group (or GROUP), with their roles',
  '  /decline #GROUP         decline an invitation to GROUP (/join GROUP accepts it)',
  '  /list [PREFIX]          public groups (whose names start with PREFIX)',
  '  /mute [mentions|none]   notify of the open conversation\'s mentions only, or nothing (default)',
  '  /unmute                 notify of every new message of the open conversation again',
  '  /search QUERY           find messages (every word, any part of a word)',
  'In the open group (creator and admins)',
  '  /invite NAME            invite NAME           /kick NAME    remove a member',
  '  /ban NAME  /unban NAME  keep NAME out, or let them back',
  '  /topic TEXT             set the topic         /private  /public   who may join',
  '  /op NAME  /deop NAME    make a member an admin, or an admin a member (creator only)',
  '  /help                   this help          /quit   leave (Ctrl-C too)',
  '  //text                  send text that starts with a slash',
];

const ACCOUNT_HELP: string[] = [
  'Your account',
  '  /passwd                 change your password (asked hidden; ends your other sessions)',
  '  /sessions               your sessions and tokens, with their ids',
  '  /revoke ID              end one of them       /logout-all   end them all, this one too',
];

/** /help, with the keys as bound (the config file can change them). */
export function helpLines(keys: KeyMap = new KeyMap()): string[] {
  // a label too long for its column goes on a line of its own
  const k = (label: string, text: string) => (label.length > 25 ? `  ${label}\n  ${''.padEnd(26)}${text}` : `  ${(label + ' ').padEnd(26)}${text}`);
  return [
    ...COMMAND_HELP,
    '',
    'Keys',
    k('Enter', 'send            Alt-Enter or Ctrl-J   new line'),
    k(keys.describe('complete'), 'complete a name, @member, #group, /command (again: next)'),
    k(keys.describe('switch_focus'), 'elsewhere: switch between the list and the input'),
    k(`${keys.describe('history_previous')} / ${keys.describe('history_next')}`, 'what you typed before in this conversation'),
    k('Paste', 'pasted lines stay in the input as one message'),
    k('Up/Down, Enter', 'in the list: pick and open a conversation'),
    k(`${keys.describe('next_conversation')} / ${keys.describe('previous_conversation')}`, 'open the next / previous conversation'),
    k(`${keys.describe('page_up')} / ${keys.describe('page_down')}`, 'scroll; at the top PgUp loads older messages'),
    k(keys.describe('jump_unread'), 'jump to the first unread message'),
    k(`${keys.describe('jump_newest')} / ${keys.describe('follow_newest')}`, 'jump to the newest message'),
    k(keys.describe('jump_oldest'), 'jump to the oldest loaded message'),
    k(keys.describe('jump_hotlist'), 'open the conversation most recently active (the act: list)'),
    k(keys.describe('retry'), 'reconnect now (when the server is away)'),
    k(keys.describe('toggle_list'), 'narrow terminals: show / hide the conversation list'),
    k('Mouse', 'wheel scrolls, a click opens (mouse = false turns it off)'),
    k(`${keys.describe('edit_last')} (empty input)`, 'edit your last message (Enter saves, Esc cancels)'),
    k(keys.describe('select_message'), `select a message: ${keys.describe('pick_older')} / ${keys.describe('pick_newer')} pick it, then`),
    k('', `${keys.describe('reply')} reply · ${keys.describe('edit')} edit · ${keys.describe('react')} react`),
    k('', `${keys.describe('delete')} delete (y confirms) · ${keys.describe('select_done')} done`),
    k(`${keys.describe('result_previous')} / ${keys.describe('result_next')}`, `in /search results: pick; ${keys.describe('result_open')} opens it, ${keys.describe('close_results')} closes`),
    k(keys.describe('close_overlay'), 'close this help (↑↓ PgUp PgDn scroll it)'),
    // after the keys, so that the keys still show on the first screen of a 30-row terminal
    '',
    ...ACCOUNT_HELP,
  ].flatMap((line) => line.split('\n'));
}

export const HELP: string[] = helpLines();


const NEEDS_NAME = new Set(['add', 'accept', 'decline', 'remove', 'join', 'block', 'unblock', 'create', 'invite', 'kick', 'ban', 'unban', 'op', 'deop']);

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
    case 'add': case 'accept': case 'remove': case 'join': case 'block': case 'unblock':
      if (more.length > 0) return { cmd: 'error', message: `usage: /${cmd} NAME (one name)` };
      return { cmd, name };
    case 'create':
      return { cmd, name, desc: rest.slice(name.length).trim() };
    case 'leave': case 'members':
      return name ? { cmd, name } : { cmd };
    case 'help': case 'quit':
      return { cmd };
    case 'passwd': case 'sessions':
      return rest ? { cmd: 'error', message: `usage: /${cmd}` } : { cmd };
    case 'logout-all':
      return rest ? { cmd: 'error', message: 'usage: /logout-all' } : { cmd: 'logout_all' };
    case 'revoke':
      if (!name || more.length > 0) return { cmd: 'error', message: 'usage: /revoke ID (an id from /sessions)' };
      return { cmd, id: name };
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
