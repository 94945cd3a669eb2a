import { ChatError } from '../../protocol/errors.ts';
import { messagePush, sendResultJson } from '../../protocol/frames.ts';
import { isoTime } from '../../protocol/json-text.ts';
import type { Results } from '../../protocol/messages.ts';
import { Deferred, EncodedResult, type Handler, type Reply } from '../context.ts';
import { conversationId, findOwnGroup, findUser, me } from './common.ts';

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
  if (body.text.length > ctx.config.maxTextLength) {
    throw new ChatError('CHAT_ERR_TEXT_TOO_LONG', `text is longer than ${ctx.config.maxTextLength} characters`);
  }
  if (!body.text.isWellFormed()) throw new ChatError('CHAT_ERR_BAD_FIELD', 'send: "text" contains a lone surrogate');

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

  const clientMsgId = body.client_msg_id ?? null;
  const text = body.text;
  const reply = new Deferred<Reply<Results['send']>>();
  const sessionId = ctx.session.id;
  ctx.append({ conversationId: conversation, senderId: user.id, text, clientMsgId, ts: Date.now(), friendId }, (err, r) => {
    if (err !== null) return reply.reject(err);
    const ts = isoTime(r!.ts);
    const id = conversationId(conversation);
    if (!r!.duplicate) {
      // Encoded once, shared by every recipient session; the sender's other sessions get it too.
      const frame = messagePush(id, r!.seq, user.name, target, targetName, text, ts, clientMsgId);
      ctx.bus.publish({ users: recipients, frame, exceptConn: sessionId });
    }
    const result = { conversation: id, seq: r!.seq, ts, duplicate: r!.duplicate };
    reply.resolve(new EncodedResult(result, sendResultJson(result)));
  });
  return reply;
};
