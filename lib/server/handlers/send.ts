import { ChatError } from '../../protocol/errors.ts';
import { messagePush, sendResultJson } from '../../protocol/frames.ts';
import { isoTime } from '../../protocol/json-text.ts';
import type { Results } from '../../protocol/messages.ts';
import { Deferred, EncodedResult, type Handler, type Reply } from '../context.ts';
import type { NewMessage } from '../../db/store.ts';
import type { ReplyView } from '../../protocol/messages.ts';
import { conversationId, findOwnGroup, findUser, me, replyView } from './common.ts';
import { checkText } from './event.ts';

/**
 * Store first, then ack with the stored seq, then wake the recipients: a message the sender
 * saw acked survives a crash, and a lost wake-up is repaired by the recipient's next sync.
 *
 * This is the one handler that runs once per chat message, so its push and its result are
 * written as JSON text (lib/protocol/frames.ts) and the reply is a callback-driven Deferred, not a
 * promise chain.
 */
export const send: Handler<'send'> = async (ctx, body) => {
  const user = me(ctx);
  if ((body.to === undefined) === (body.group === undefined)) {
    throw new ChatError('CHAT_ERR_BAD_FIELD', 'send: give exactly one of "to" or "group"');
  }
  checkText(ctx, body.text, 'send');

  let conversation: number;
  let recipients: readonly number[];
  let friendId: number | undefined;
  let target: 'to' | 'group';
  let targetName: string;
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
  } else {
    // A private group the sender is not in answers as a name nobody has (findGroupFor).
    const { group } = await findOwnGroup(ctx, body.group!);
    conversation = group.conversationId;
    recipients = await ctx.store.memberIds(conversation);
    target = 'group';
    targetName = group.name;
  }

  // A reply names a message of this conversation. Entries are never removed while the
  // conversation exists (a deletion leaves a tombstone), so what is checked here still holds at
  // commit; a reply to a deleted message is allowed and quotes nothing.
  let replyTo: ReplyView | null = null;
  let quoted: number | undefined;
  if (body.reply_to !== undefined) {
    const target = await ctx.store.entryOf(conversation, body.reply_to);
    if (target === null || target.kind !== 'message') throw new ChatError('CHAT_ERR_NO_SUCH_MESSAGE', 'reply_to: no message has that seq here');
    replyTo = replyView({ seq: body.reply_to, ...target });
    quoted = target.senderId;
  }

  const clientMsgId = body.client_msg_id ?? null;
  const text = body.text;
  const reply = new Deferred<Reply<Results['send']>>();
  const sessionId = ctx.session.id;
  const message: NewMessage = { conversationId: conversation, senderId: user.id, text, clientMsgId, ts: Date.now(), friendId };
  if (body.reply_to !== undefined) message.replyTo = body.reply_to;
  ctx.append(message, (err, r) => {
    if (err !== null) return reply.reject(err);
    const ts = isoTime(r!.ts);
    const id = conversationId(conversation);
    if (!r!.duplicate) {
      // Encoded once, shared by every recipient session; the sender's other sessions get it too.
      const frame = messagePush(id, r!.seq, user.name, target, targetName, text, ts, clientMsgId, replyTo);
      ctx.bus.publish({ users: recipients, frame, exceptConn: sessionId, sender: user.id, ...(quoted === undefined ? {} : { quoted }) });
    }
    const result = { conversation: id, seq: r!.seq, ts, duplicate: r!.duplicate };
    reply.resolve(new EncodedResult(result, sendResultJson(result)));
  });
  return reply;
};
