import { ChatError } from '../../protocol/errors.ts';
import { messagePush, sendResultJson } from '../../protocol/frames.ts';
import { isoTime } from '../../protocol/json-text.ts';
import type { Results } from '../../protocol/messages.ts';
import { Deferred, EncodedResult, type Handler, type HandlerContext, type Reply } from '../context.ts';
import { nameKey } from '../../protocol/names.ts';
import type { NewMessage } from '../../db/store.ts';
import type { ReplyView } from '../../protocol/messages.ts';
import { conversationId, findOwnGroup, findUser, hiddenReply, me, nameOrThrow, replyView } from './common.ts';
import { checkText } from './event.ts';

/**
 * Store first, then ack with the stored seq, then wake the recipients: a message the sender
 * saw acked survives a crash, and a lost wake-up is repaired by the recipient's next sync.
 *
 * This is the one handler that runs once per chat message, so its push and its result are
 * written as JSON text (lib/protocol/frames.ts) and the reply is a callback-driven Deferred, not a
 * promise chain.
 */
const NO_ONE: number[] = [];

export const send: Handler<'send'> = async (ctx, body) => {
  const user = me(ctx);
  if ((body.to === undefined) === (body.group === undefined)) {
    throw new ChatError('CHAT_ERR_BAD_FIELD', 'send: give exactly one of "to" or "group"');
  }
  checkText(ctx, body.text, 'send');

  let conversation: number;
  let recipients: readonly number[];
  let mark = -1; // a group's: its member list is checked against the removals since (removals.ts)
  let friendId: number | undefined;
  let groupId = 0;
  let target: 'to' | 'group';
  let targetName: string;
  let peerName = '';
  if (body.to !== undefined) {
    const peer = await findUser(ctx, body.to);
    // The conversation id never changes, so it comes from a cache; whether the two are still
    // friends is decided when the batch commits, in its transaction (another node, or this one a
    // moment later, may end the friendship).
    const direct = peer.id === user.id ? null : await ctx.store.directConversationId(user.id, peer.id);
    if (direct === null) throw new ChatError('CHAT_ERR_NOT_FRIENDS');
    conversation = direct;
    friendId = peer.id;
    recipients = [user.id, peer.id];
    target = 'to';
    targetName = peer.name;
    peerName = peer.name;
  } else {
    // A private group the sender is not in answers as a name nobody has (findGroupFor).
    const { group } = await findOwnGroup(ctx, body.group!);
    groupId = group.id;
    conversation = group.conversationId;
    mark = ctx.removals.mark();
    recipients = await ctx.store.memberIds(conversation);
    target = 'group';
    targetName = group.name;
  }

  // A reply names a message of this conversation. Entries are never removed while the
  // conversation exists (a deletion leaves a tombstone), so what is checked here still holds at
  // commit; a reply to a deleted message is allowed and quotes nothing.
  let replyTo: ReplyView | null = null;
  // Members who joined a `joined` group after the target was stored, who are shown its seq only
  // (as history and sync show it): read after `recipients`, so a join in between is in neither
  // list or in both. Only a reply in a group asks.
  let unseeing: number[] = NO_ONE;
  let quoted: number | undefined;
  if (body.reply_to !== undefined) {
    const target = await ctx.store.entryOf(conversation, body.reply_to);
    if (target === null || target.kind !== 'message') throw new ChatError('CHAT_ERR_NO_SUCH_MESSAGE', 'reply_to: no message has that seq here');
    replyTo = replyView({ seq: body.reply_to, ...target });
    if (body.group !== undefined) {
      unseeing = await ctx.store.membersNotSeeing(conversation, body.reply_to);
      // A message the sender may not see (before their join) answers as one that is not there.
      if (unseeing.includes(user.id)) throw new ChatError('CHAT_ERR_NO_SUCH_MESSAGE', 'reply_to: no message has that seq here');
    }
    quoted = target.senderId;
  }

  const mentioned = body.mentions === undefined || body.mentions.length === 0 ? null
    : await mentionedMembers(ctx, body.mentions, friendId === undefined ? null : [{ id: user.id, name: user.name }, { id: friendId, name: peerName }], groupId);

  const clientMsgId = body.client_msg_id ?? null;
  const text = body.text;
  const reply = new Deferred<Reply<Results['send']>>();
  const sessionId = ctx.session.id;
  const message: NewMessage = { conversationId: conversation, senderId: user.id, text, clientMsgId, ts: Date.now(), friendId };
  if (body.reply_to !== undefined) message.replyTo = body.reply_to;
  if (mentioned !== null) message.mentions = mentioned.ids;
  ctx.append(message, (err, r) => {
    if (err !== null) return reply.reject(err);
    const ts = isoTime(r!.ts);
    const id = conversationId(conversation);
    if (!r!.duplicate) {
      // Encoded once, shared by every recipient session; the sender's other sessions get it too.
      const frame = messagePush(id, r!.seq, user.name, target, targetName, text, ts, clientMsgId, replyTo, mentioned?.names ?? null);
      const push: Push = { ctx, frame, sessionId, sender: user.id, quoted, unseeing, bare: null };
      if (unseeing.length > 0) {
        push.bare = messagePush(id, r!.seq, user.name, target, targetName, text, ts, clientMsgId, hiddenReply(replyTo!.seq), mentioned?.names ?? null);
      }
      // The members as the batch's transaction saw them, where the store says (MySQL: a removal
      // on another node is ordered by the conversation lock); else this node's removals decide.
      if (r!.members !== undefined) publishTo(push, r!.members);
      else if (mark < 0 || !ctx.removals.stale(mark)) publishTo(push, recipients);
      else {
        // Someone may have left or been removed since the list was read: the push waits for the
        // list as it is now. A failed read only costs the live push; the next sync has it.
        ctx.removals.stillMembers(ctx.store, conversation, recipients).then((users) => publishTo(push, users), (err: unknown) =>
          ctx.log.warn({ err, conversation: id }, 'member list read failed; message push skipped'));
      }
    }
    const result = { conversation: id, seq: r!.seq, ts, duplicate: r!.duplicate };
    reply.resolve(new EncodedResult(result, sendResultJson(result)));
  });
  return reply;
};

/** A stored message's push, and to whom it must not quote its reply. */
interface Push {
  ctx: HandlerContext;
  frame: string;
  sessionId: string;
  /** the sender (and a quoted sender) named, so a session that blocked them gets a placeholder */
  sender: number;
  quoted: number | undefined;
  /** members shown the reply's seq only (they joined after its target), and their frame */
  unseeing: readonly number[];
  bare: string | null;
}

// A function of the module, not a closure per message: the build names every closure it makes
// (esbuild's keepNames), and that showed in the profile of the one handler run per message.
function publishTo(p: Push, users: readonly number[]): void {
  const { ctx, frame, sessionId: exceptConn, sender, quoted } = p;
  if (p.unseeing.length === 0) return void ctx.bus.publish({ users, frame, exceptConn, sender, quoted });
  const hidden = new Set(p.unseeing);
  const seeing = users.filter((u) => !hidden.has(u));
  const quoteless = users.filter((u) => hidden.has(u));
  if (seeing.length > 0) ctx.bus.publish({ users: seeing, frame, exceptConn, sender, quoted });
  if (quoteless.length > 0) ctx.bus.publish({ users: quoteless, frame: p.bare!, exceptConn, sender, quoted });
}

/**
 * The members among the names a sender mentions, distinct, by user id (the order history reads
 * them back in), with their names as stored. Names that are no member's are dropped without a
 * word: the sender may not know who is in a group, and whether a name exists is not theirs to
 * probe this way. A malformed name is refused (CHAT_ERR_BAD_NAME), as anywhere a name is given.
 * Decided at send time: a member who leaves before the batch commits is still mentioned (they
 * see nothing of it: the count is per membership).
 */
async function mentionedMembers(
  ctx: HandlerContext, raw: readonly string[], direct: { id: number; name: string }[] | null, groupId: number,
): Promise<{ ids: number[]; names: string[] } | null> {
  const keys = new Set(raw.map((name) => nameOrThrow(name, 'user').key));
  const members = direct ?? await ctx.store.groupMembers(groupId);
  const kept = members.filter((m) => keys.has(nameKey(m.name))).sort((a, b) => a.id - b.id);
  return kept.length === 0 ? null : { ids: kept.map((m) => m.id), names: kept.map((m) => m.name) };
}
