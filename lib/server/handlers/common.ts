import type { ConversationRow, GroupRow, StoredMessage, UserRow } from '../../db/store.ts';
import { ChatError } from '../../protocol/errors.ts';
import { isoTime } from '../../protocol/json-text.ts';
import type { MessageView } from '../../protocol/messages.ts';
import { checkName, checkNewName, type NameCheck } from '../../protocol/names.ts';
import type { SessionUser } from '../connection.ts';
import type { HandlerContext } from '../context.ts';

export function me(ctx: HandlerContext): SessionUser {
  const user = ctx.session.user;
  if (!user) throw new ChatError('CHAT_ERR_NOT_LOGGED_IN');
  return user;
}

// checkName is pure and costs an NFC pass, a code-point count and two regex scans. `send` names
// its peer in every message, so the answers for recent names are kept (bounded: an attacker's
// stream of distinct names only ever clears the map).
const checkedNames = new Map<string, NameCheck>();
const CHECKED_NAMES_MAX = 4096;

function checkNameCached(raw: string): NameCheck {
  let check = checkedNames.get(raw);
  if (check === undefined) {
    check = checkName(raw);
    if (checkedNames.size >= CHECKED_NAMES_MAX) checkedNames.clear();
    checkedNames.set(raw, check);
  }
  return check;
}

/** A name to look up (names.ts checkName). */
export function nameOrThrow(raw: string, what: 'user' | 'group'): { name: string; key: string } {
  return okOrThrow(checkNameCached(raw), what);
}

/** A name being registered or created, which may not be invisible (names.ts checkNewName). */
export function newNameOrThrow(raw: string, what: 'user' | 'group'): { name: string; key: string } {
  return okOrThrow(checkNewName(raw), what);
}

function okOrThrow(check: NameCheck, what: 'user' | 'group'): { name: string; key: string } {
  if (!check.ok) throw new ChatError('CHAT_ERR_BAD_NAME', `${what} name ${check.reason}`);
  return check;
}

export async function findUser(ctx: HandlerContext, raw: string): Promise<UserRow> {
  const user = await ctx.store.userByKey(nameOrThrow(raw, 'user').key);
  if (!user) throw new ChatError('CHAT_ERR_NO_SUCH_USER');
  return user;
}

export async function findGroup(ctx: HandlerContext, raw: string): Promise<GroupRow> {
  const group = await ctx.store.groupByKey(nameOrThrow(raw, 'group').key);
  if (!group) throw new ChatError('CHAT_ERR_NO_SUCH_GROUP');
  return group;
}

// Conversation ids are opaque to clients; the prefix only makes them recognisable in logs.
export function conversationId(id: number): string {
  return `c${id}`;
}

export function parseConversationId(text: string): number {
  const m = /^c([1-9]\d{0,14})$/.exec(text);
  if (!m) throw new ChatError('CHAT_ERR_NO_SUCH_CONVERSATION');
  return Number(m[1]);
}

/** The caller's view of a conversation named by friend, group or id; membership is checked. */
export async function resolveConversation(
  ctx: HandlerContext,
  target: { with?: string | undefined; group?: string | undefined; conversation?: string | undefined },
): Promise<ConversationRow> {
  const user = me(ctx);
  const given = [target.with, target.group, target.conversation].filter((v) => v !== undefined).length;
  if (given !== 1) throw new ChatError('CHAT_ERR_BAD_FIELD', 'give exactly one of "with", "group" or "conversation"');
  let id: number;
  if (target.with !== undefined) {
    const peer = await findUser(ctx, target.with);
    const direct = await ctx.store.directConversation(user.id, peer.id);
    if (direct === null) throw new ChatError('CHAT_ERR_NOT_FRIENDS');
    id = direct;
  } else if (target.group !== undefined) {
    id = (await findGroup(ctx, target.group)).conversationId;
  } else {
    id = parseConversationId(target.conversation!);
  }
  const row = await ctx.store.conversationOf(user.id, id);
  if (!row) {
    throw new ChatError(target.group !== undefined ? 'CHAT_ERR_NOT_MEMBER' : 'CHAT_ERR_NO_SUCH_CONVERSATION');
  }
  return row;
}

/** A stored message as `viewer` sees it, keys in the order of the `message` push (docs/protocol.md). */
export function messageView(m: StoredMessage, row: ConversationRow, viewer: SessionUser): MessageView {
  const conversation = conversationId(m.conversationId);
  const view: MessageView =
    row.kind === 'direct'
      ? { conversation, seq: m.seq, from: m.senderName, to: m.senderId === viewer.id ? row.peerName! : viewer.name, text: m.text, ts: isoTime(m.ts) }
      : { conversation, seq: m.seq, from: m.senderName, group: row.groupName!, text: m.text, ts: isoTime(m.ts) };
  if (m.clientMsgId !== null) view.client_msg_id = m.clientMsgId;
  // A deleted account keeps its row without a name (Store.accounts.deleteUser): '' is no name.
  if (m.senderName === '') view.from_deleted = true;
  return view;
}

/**
 * Replies stay well under the output bound and the client's line limit however long the texts
 * are: a page stops once its texts pass this many bytes (it always holds at least one message).
 */
export const PAGE_BYTES = 1024 * 1024;

/** How many messages, counted from the start of `messages`, fit in one page. */
export function fitPage(messages: StoredMessage[], fromEnd = false): number {
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[fromEnd ? messages.length - 1 - i : i]!;
    bytes += Buffer.byteLength(JSON.stringify(m.text)) + 200; // + the envelope of a message view
    if (bytes > PAGE_BYTES && i > 0) return i;
  }
  return messages.length;
}

/** Publishes a push (a line from lib/protocol/frames.ts) to the users' sessions, by default not to this one. */
export function push(ctx: HandlerContext, users: readonly number[], frame: string, includeSelf = false): void {
  if (users.length === 0) return;
  ctx.bus.publish({ users, frame, ...(includeSelf ? {} : { exceptConn: ctx.session.id }) });
}
