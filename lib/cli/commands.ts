import { outcomeUnknown, sendMessage, writeWithRetry, type WriteType } from '../client/send-message.ts';
import type { RequestOf, Results } from '../protocol/messages.ts';
import { ChatError } from '../protocol/errors.ts';
import type { NotifyLevel } from '../protocol/messages.ts';
import { Output, formatSearchResult, safe } from './output.ts';
import { connectTo, requireCredentials, withReconnectingSession, withSession, type Credentials, type Target } from './session.ts';
import { UsageError } from './errors.ts';

export interface CommandEnv {
  target: Target;
  creds: Credentials;
  out: Output;
}

export async function register({ target, creds, out }: CommandEnv): Promise<void> {
  const { user, password } = requireCredentials(creds);
  const client = await connectTo(target);
  try {
    const r = await client.request('register', { user, password });
    out.emit({ type: 'user', user: r.user, user_id: r.user_id }, String(r.user_id));
  } finally {
    await client.close();
  }
}

export async function friends({ target, creds, out }: CommandEnv): Promise<void> {
  await withSession(target, creds, async (client) => {
    const r = await client.request('friends', {});
    for (const f of r.friends) out.emit({ type: 'friend', name: f.name, online: f.online }, `${safe(f.name)}\t${f.online ? 'online' : 'offline'}`);
    for (const q of r.requests) {
      out.emit({ type: 'request', name: q.name, direction: q.direction }, `${safe(q.name)}\trequest ${q.direction === 'in' ? 'from them (accept or decline)' : 'sent, waiting'}`);
    }
  });
}

/** block NAME / unblock NAME: the block is stored on the server and holds on every device. */
export async function block({ target, creds, out }: CommandEnv, name: string, blocked: boolean): Promise<void> {
  await withSession(target, creds, async (client) => {
    if (blocked) {
      const r = await client.request('block', { user: name });
      out.emit({ type: 'blocked_changed', user: r.user, blocked: true, unfriended: r.unfriended }, `${safe(r.user)}: blocked${r.unfriended ? ' (no longer friends)' : ''}`);
    } else {
      const r = await client.request('unblock', { user: name });
      out.emit({ type: 'blocked_changed', user: r.user, blocked: false, was_blocked: r.was_blocked }, `${safe(r.user)}: ${r.was_blocked ? 'unblocked' : 'was not blocked'}`);
    }
  });
}

export async function blocked({ target, creds, out }: CommandEnv): Promise<void> {
  await withSession(target, creds, async (client) => {
    for (const b of (await client.request('blocked', {})).blocked) out.emit({ type: 'blocked', name: b.name }, safe(b.name));
  });
}

export type FriendAction = 'add' | 'accept' | 'decline' | 'remove';

export async function friend(env: CommandEnv, action: FriendAction, name: string): Promise<void> {
  await withSession(env.target, env.creds, async (client) => {
    let status: string;
    let user: string;
    if (action === 'add') ({ user, status } = await client.request('friend_add', { user: name }));
    else {
      const type = `friend_${action}` as const;
      ({ user } = await client.request(type, { user: name }));
      status = { accept: 'accepted', decline: 'declined', remove: 'removed' }[action];
    }
    env.out.emit({ type: 'friend_action', action, user, status }, `${safe(user)}: ${status}`);
  });
}

export async function groups({ target, creds, out }: CommandEnv, show: 'mine' | 'invites' = 'mine'): Promise<void> {
  await withSession(target, creds, async (client) => {
    const r = await client.request('groups', {});
    if (show === 'invites') {
      for (const i of r.invites) {
        out.emit({ type: 'group_invite', ...i }, `${safe(i.group)}\tinvited by ${safe(i.from)}\t${safe(i.desc)}`);
      }
      return;
    }
    for (const g of r.groups) {
      const visibility = g.private ? 'private' : 'public';
      out.emit({ type: 'group', ...g }, `${safe(g.name)}\t${g.role}\t${g.members} members\t${visibility}\t${safe(g.desc)}`);
    }
  });
}

export interface DirectoryArgs {
  prefix?: string | undefined;
  after?: string | undefined;
  limit?: number | undefined;
}

/** One page of the directory of public groups; a last `next` record says how to get the next page. */
export async function publicGroups({ target, creds, out }: CommandEnv, args: DirectoryArgs): Promise<void> {
  await withSession(target, creds, async (client) => {
    const r = await client.request('groups_public', {
      ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
      ...(args.after === undefined ? {} : { after: args.after }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
    });
    for (const g of r.groups) out.emit({ type: 'public_group', ...g }, `${safe(g.name)}\t${g.members} members\t${safe(g.desc)}`);
    if (r.next !== undefined) out.emit({ type: 'next', after: r.next }, `(more: --after ${JSON.stringify(safe(r.next))})`);
  });
}

export type GroupAction = 'create' | 'join' | 'leave' | 'decline' | 'delete';

export interface GroupCreateOptions {
  desc?: string | undefined;
  private?: boolean | undefined;
}

const DONE: Record<GroupAction, string> = { create: 'created', join: 'joined', leave: 'left', decline: 'declined', delete: 'deleted' };

export async function group(env: CommandEnv, action: GroupAction, name: string, options: GroupCreateOptions = {}): Promise<void> {
  await withSession(env.target, env.creds, async (client) => {
    const r =
      action === 'create'
        ? await client.request('group_create', {
          group: name,
          ...(options.desc === undefined ? {} : { desc: options.desc }),
          ...(options.private ? { private: true } : {}),
        })
        : await client.request(`group_${action}`, { group: name });
    env.out.emit({ type: 'group_action', action, ...r }, `${safe(r.group)}: ${DONE[action]}`);
  });
}

export type GroupUserAction = 'invite' | 'kick' | 'ban' | 'unban' | 'transfer';

const DONE_TO: Record<GroupUserAction, string> = { invite: 'invited', kick: 'kicked', ban: 'banned', unban: 'unbanned', transfer: 'is now the owner' };

/** A moderator's action on one user: `group invite|kick|ban|unban|transfer NAME USER`. */
export async function groupUser(env: CommandEnv, action: GroupUserAction, name: string, user: string): Promise<void> {
  await withSession(env.target, env.creds, async (client) => {
    const r = await client.request(`group_${action}`, { group: name, user });
    env.out.emit({ type: 'group_action', action, ...r }, `${safe(r.group)}: ${safe(r.user)} ${DONE_TO[action]}`);
  });
}

export async function groupRole(env: CommandEnv, name: string, user: string, role: 'admin' | 'member'): Promise<void> {
  await withSession(env.target, env.creds, async (client) => {
    const r = await client.request('group_role', { group: name, user, role });
    env.out.emit({ type: 'group_action', action: 'role', ...r }, `${safe(r.group)}: ${safe(r.user)} is now ${r.role}`);
  });
}

export async function groupTopic(env: CommandEnv, name: string, desc: string): Promise<void> {
  await withSession(env.target, env.creds, async (client) => {
    const r = await client.request('group_topic', { group: name, desc });
    env.out.emit({ type: 'group_action', action: 'topic', ...r }, `${safe(r.group)}: topic set`);
  });
}

export interface GroupSetOptions {
  private?: boolean | undefined;
  history?: 'shared' | 'joined' | undefined;
}

export async function groupSet(env: CommandEnv, name: string, options: GroupSetOptions): Promise<void> {
  await withSession(env.target, env.creds, async (client) => {
    const r = await client.request('group_set', {
      group: name,
      ...(options.private === undefined ? {} : { private: options.private }),
      ...(options.history === undefined ? {} : { history: options.history }),
    });
    env.out.emit({ type: 'group_action', action: 'set', ...r }, `${safe(r.group)}: ${r.private ? 'private' : 'public'}, history ${r.history}`);
  });
}

export async function groupMembers({ target, creds, out }: CommandEnv, name: string): Promise<void> {
  await withSession(target, creds, async (client) => {
    const r = await client.request('group_members', { group: name });
    for (const m of r.members) {
      out.emit({ type: 'member', group: r.group, ...m }, `${safe(m.name)}\t${m.role}\t${m.online ? 'online' : 'offline'}`);
    }
  });
}

export interface SendArgs {
  to?: string | undefined;
  group?: string | undefined;
  text: string;
  clientMsgId?: string | undefined;
  replyTo?: number | undefined;
  /** names to mention (repeatable --mention) */
  mentions?: string[] | undefined;
}

/** How often `send` reconnects to resend a message whose answer it lost (about 8 s with the default backoff). */
const SEND_RECONNECTS = 5;

/**
 * Sends one message. When the connection drops before the answer, it reconnects and sends the
 * message again with the same client_msg_id, so it is stored once (`duplicate` then says it was
 * stored by the first try). Giving up, it names that id, for a later retry with --client-msg-id.
 */
export async function send({ target, creds, out }: CommandEnv, args: SendArgs): Promise<void> {
  if ((args.to === undefined) === (args.group === undefined)) throw new UsageError('send NAME TEXT, or send --group NAME TEXT');
  const where = args.to !== undefined ? { to: args.to } : { group: args.group! };
  const options = { receive: false, ack: false, maxAttempts: SEND_RECONNECTS };
  const r = await withReconnectingSession(target, creds, options, async (session) => {
    const outgoing = sendMessage(session, where, args.text, args.clientMsgId, { replyTo: args.replyTo, mentions: args.mentions });
    try {
      return await outgoing.done;
    } catch (err) {
      if (!outcomeUnknown(err)) throw err;
      const { code, message } = err as ChatError;
      throw new ChatError(code, `${message}; the message may have been stored: resend it with --client-msg-id ${outgoing.clientMsgId}`);
    }
  });
  out.emit({ type: 'sent', ...where, ...r }, `sent (seq ${r.seq}${r.duplicate ? ', already stored earlier' : ''})`);
}

export interface EventArgs {
  with?: string | undefined;
  group?: string | undefined;
  seq: number;
  clientMsgId?: string | undefined;
}

/** A write on one message (edit, delete, react), retried across reconnects with one client_msg_id, as `send` is. */
async function writeEvent<T extends Exclude<WriteType, 'send'>>(
  { target, creds }: CommandEnv, type: T, args: EventArgs, fields: Record<string, unknown>,
): Promise<Results[T]> {
  if ((args.with === undefined) === (args.group === undefined)) throw new UsageError(`${type} NAME SEQ, or ${type} --group NAME SEQ`);
  const where = args.with !== undefined ? { with: args.with } : { group: args.group! };
  const options = { receive: false, ack: false, maxAttempts: SEND_RECONNECTS };
  return withReconnectingSession(target, creds, options, async (session) => {
    const outgoing = writeWithRetry(session, type, { ...where, seq: args.seq, ...fields } as unknown as Omit<RequestOf<T>, 'client_msg_id'>, args.clientMsgId);
    try {
      return await outgoing.done;
    } catch (err) {
      if (!outcomeUnknown(err)) throw err;
      const { code, message } = err as ChatError;
      throw new ChatError(code, `${message}; it may have been stored: retry it with --client-msg-id ${outgoing.clientMsgId}`);
    }
  });
}

export async function edit(env: CommandEnv, args: EventArgs & { text: string }): Promise<void> {
  const r = await writeEvent(env, 'edit', args, { text: args.text });
  env.out.emit({ type: 'edited', ...r }, `edited #${r.target} (seq ${r.seq}${r.duplicate ? ', already stored earlier' : ''})`);
}

export async function deleteMessage(env: CommandEnv, args: EventArgs): Promise<void> {
  const r = await writeEvent(env, 'delete', args, {});
  env.out.emit({ type: 'deleted', ...r }, `deleted #${r.target} (seq ${r.seq}${r.duplicate ? ', already stored earlier' : ''})`);
}

export async function react(env: CommandEnv, args: EventArgs & { emoji: string; remove: boolean }): Promise<void> {
  const r = await writeEvent(env, 'react', args, args.remove ? { emoji: args.emoji, remove: true } : { emoji: args.emoji });
  const what = args.remove ? 'removed' : 'added';
  env.out.emit({ type: 'reacted', ...r }, r.changed ? `${what} ${safe(args.emoji)} on #${r.target} (seq ${r.seq})` : `${safe(args.emoji)} on #${r.target}: already ${what}`);
}

export interface HistoryArgs {
  with?: string | undefined;
  group?: string | undefined;
  limit?: number | undefined;
  before?: number | undefined;
  markRead?: boolean | undefined;
}

export async function history({ target, creds, out }: CommandEnv, args: HistoryArgs): Promise<void> {
  if ((args.with === undefined) === (args.group === undefined)) throw new UsageError('history NAME, or history --group NAME');
  await withSession(target, creds, async (client) => {
    const r = await client.request('history', {
      ...(args.with !== undefined ? { with: args.with } : { group: args.group! }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...(args.before === undefined ? {} : { before: args.before }),
    });
    for (const m of r.messages) out.message(m);
    const last = r.messages.at(-1);
    if (args.markRead && last) await client.request('read', { conversation: r.conversation, seq: last.seq });
  });
}

export async function unread({ target, creds, out }: CommandEnv): Promise<void> {
  await withSession(target, creds, async (client) => {
    for (const u of (await client.request('unread', {})).unread) {
      const name = u.group !== undefined ? `#${safe(u.group)}` : safe(u.with ?? '');
      const mentions = u.mentions ? `\t(${u.mentions} mentioning you)` : '';
      out.emit({ type: 'unread', ...u }, `${name}\t${u.count}${mentions}${u.notify && u.notify !== 'all' ? `\t(notify: ${u.notify})` : ''}`);
    }
  });
}

/** Who of the other members has read up to SEQ. */
export async function receipts({ target, creds, out }: CommandEnv, args: { with?: string | undefined; group?: string | undefined; seq: number }): Promise<void> {
  if ((args.with === undefined) === (args.group === undefined)) throw new UsageError('receipts NAME SEQ, or receipts --group NAME SEQ');
  await withSession(target, creds, async (client) => {
    const r = await client.request('receipts', { ...(args.with !== undefined ? { with: args.with } : { group: args.group! }), seq: args.seq });
    out.emit({ type: 'receipts', ...r }, `#${r.seq}\tread by ${r.read} of ${r.of}${r.members.length ? `: ${r.members.map(safe).join(', ')}` : ''}`);
  });
}

/** Sets the notification level of one conversation (stored on the server, for every device). */
export async function mute({ target, creds, out }: CommandEnv, args: { with?: string | undefined; group?: string | undefined; level: NotifyLevel }): Promise<void> {
  if ((args.with === undefined) === (args.group === undefined)) throw new UsageError('mute NAME, or mute --group NAME');
  await withSession(target, creds, async (client) => {
    const r = await client.request('mute', { ...(args.with !== undefined ? { with: args.with } : { group: args.group! }), level: args.level });
    const name = r.group !== undefined ? `#${safe(r.group)}` : safe(r.with ?? '');
    out.emit({ type: 'notify_level', ...r }, `${name}\tnotify: ${r.notify}`);
  });
}

export interface SearchArgs {
  query: string;
  with?: string | undefined;
  group?: string | undefined;
  from?: string | undefined;
  limit?: number | undefined;
  after?: string | undefined;
}

/**
 * One page of search results, newest first, then (with --json) one `search_page` line whose
 * `next_cursor` is what --after takes for the next page (null on the last page).
 */
export async function search({ target, creds, out }: CommandEnv, args: SearchArgs): Promise<void> {
  if (args.with !== undefined && args.group !== undefined) throw new UsageError('search QUERY [--with NAME | --group NAME]');
  if (args.query.trim() === '') throw new UsageError('search QUERY: the query is empty');
  await withSession(target, creds, async (client) => {
    const r = await client.request('search', {
      query: args.query,
      ...(args.with === undefined ? {} : { with: args.with }),
      ...(args.group === undefined ? {} : { group: args.group }),
      ...(args.from === undefined ? {} : { from: args.from }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...(args.after === undefined ? {} : { cursor: args.after }),
    });
    for (const m of r.results) out.emit({ type: 'search_result', ...m }, formatSearchResult(m));
    const next = r.next_cursor ?? null;
    out.emit({ type: 'search_page', next_cursor: next }, next === null ? '(no more results)' : `(more: --after ${next})`);
  });
}
