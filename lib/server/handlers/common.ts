import type { ConversationRow, GroupRow, GroupStanding, ReactionCount, ReplyRef, StoredMessage, UserRow } from '../../db/store.ts';
import { ChatError } from '../../protocol/errors.ts';
import { hiddenQuote, hiddenView } from '../../protocol/frames.ts';
import { isoTime } from '../../protocol/json-text.ts';
import type { MessageView, ReplyView } from '../../protocol/messages.ts';
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

/**
 * The group as the session's user may see it, and where they stand in it. A private group they
 * are neither in nor invited to answers CHAT_ERR_NO_SUCH_GROUP from the same single lookup as a
 * name nobody has taken, so neither the code nor the time tells the two apart.
 */
export async function findGroupFor(ctx: HandlerContext, raw: string): Promise<GroupStanding> {
  const standing = await ctx.store.groupFor(nameOrThrow(raw, 'group').key, me(ctx).id);
  if (!standing) throw new ChatError('CHAT_ERR_NO_SUCH_GROUP');
  return standing;
}

/** findGroupFor for a member: CHAT_ERR_NOT_MEMBER for anyone who sees the group but is not in it. */
export async function findOwnGroup(ctx: HandlerContext, raw: string): Promise<GroupStanding> {
  const standing = await findGroupFor(ctx, raw);
  if (standing.role === null) throw new ChatError('CHAT_ERR_NOT_MEMBER');
  return standing;
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
    id = (await findOwnGroup(ctx, target.group)).group.conversationId;
  } else {
    id = parseConversationId(target.conversation!);
  }
  const row = await ctx.store.conversationOf(user.id, id);
  if (!row) {
    throw new ChatError(target.group !== undefined ? 'CHAT_ERR_NOT_MEMBER' : 'CHAT_ERR_NO_SUCH_CONVERSATION');
  }
  return row;
}

/** How much of a reply's target its `reply_to` quotes, in code points. */
export const EXCERPT_LENGTH = 80;

/** The quoted start of a reply's target: its current text on one line, cut at EXCERPT_LENGTH. */
export function replyView(ref: ReplyRef): ReplyView {
  const points = [...ref.text.replace(/\s+/g, ' ').trim()];
  const excerpt = points.length > EXCERPT_LENGTH ? `${points.slice(0, EXCERPT_LENGTH - 1).join('')}…` : points.join('');
  return ref.deleted ? { seq: ref.seq, from: ref.senderName, excerpt: '', deleted: true } : { seq: ref.seq, from: ref.senderName, excerpt };
}

/** The quote of a message from before the viewer's join (a `joined` group): its seq only. */
export function hiddenReply(seq: number): ReplyView {
  return { seq, from: '', excerpt: '' };
}

/**
 * A stored entry as `viewer` sees it, keys in the order of the pushes (docs/protocol.md). `raw`
 * (sync, re-sync): every entry with its kind; otherwise (history) a message folded to its
 * current state, whose `reactions` the caller adds.
 */
export function messageView(m: StoredMessage, row: ConversationRow, viewer: SessionUser, raw = false): MessageView {
  const view = fullView(m, row, viewer, raw);
  // The one place history, sync and the re-sync decide it: a blocked sender's entry is a
  // placeholder, and a quote of their message names it without its text.
  if (viewer.blocked === undefined || viewer.blocked.size === 0) return view;
  if (viewer.blocked.has(m.senderId)) return hiddenView(view);
  if (view.reply_to !== undefined && m.replyTo !== null && viewer.blocked.has(m.replyTo.senderId)) view.reply_to = hiddenQuote(view.reply_to);
  return view;
}

function fullView(m: StoredMessage, row: ConversationRow, viewer: SessionUser, raw: boolean): MessageView {
  const conversation = conversationId(m.conversationId);
  const view: MessageView = { conversation, seq: m.seq } as MessageView;
  if (raw) view.kind = m.kind;
  if (m.target !== null) view.target = m.target;
  view.from = m.senderName;
  if (row.kind === 'direct') view.to = m.senderId === viewer.id ? row.peerName! : viewer.name;
  else view.group = row.groupName!;
  // An edit of a message the viewer cannot see (before their join) keeps its seq, not its text.
  view.text = m.kind === 'reaction' || (m.kind === 'edit' && m.target !== null && m.target <= row.visibleAfter) ? '' : m.text;
  if (m.kind === 'reaction') {
    view.emoji = m.text;
    if (m.deleted) view.removed = true;
  }
  view.ts = isoTime(m.ts);
  if (m.kind === 'message') {
    if (m.editedAt !== null) view.edited_at = isoTime(m.editedAt);
    if (m.deleted) view.deleted = true;
    // A quote of a message from before the viewer's join (a `joined` group) names only its seq.
    if (m.replyTo !== null) view.reply_to = m.replyTo.seq <= row.visibleAfter ? hiddenReply(m.replyTo.seq) : replyView(m.replyTo);
    if (m.mentions.length > 0 && !m.deleted) view.mentions = m.mentions;
  }
  if (m.clientMsgId !== null) view.client_msg_id = m.clientMsgId;
  // A deleted account keeps its row without a name (Store.accounts.deleteUser): '' is no name.
  if (m.senderName === '') view.from_deleted = true;
  return view;
}

/** Puts each message's reactions (not on a hidden message) (reactionsOf, ascending by seq) on its view. */
export function attachReactions(views: MessageView[], reactions: readonly ReactionCount[]): void {
  const bySeq = new Map<number, MessageView>(views.map((v) => [v.seq, v]));
  for (const r of reactions) {
    const v = bySeq.get(r.seq);
    if (v !== undefined && v.hidden === undefined) (v.reactions ??= []).push({ emoji: r.emoji, count: r.count, me: r.me });
  }
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

/** The messages of a page the member may see: those after where their view starts (visibleAfter). */
export function visibleTo<T extends { seq: number }>(messages: T[], row: ConversationRow): T[] {
  if (row.visibleAfter === 0 || messages.length === 0 || messages[0]!.seq > row.visibleAfter) return messages;
  return messages.filter((m) => m.seq > row.visibleAfter);
}

/** Publishes a push (a line from lib/protocol/frames.ts) to the users' sessions, by default not to this one. */
export function push(ctx: HandlerContext, users: readonly number[], frame: string, includeSelf = false): void {
  if (users.length === 0) return;
  ctx.bus.publish({ users, frame, ...(includeSelf ? {} : { exceptConn: ctx.session.id }) });
}
