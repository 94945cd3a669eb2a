import { ChatError } from '../../protocol/errors.ts';
import { isoTime, jsonString } from '../../protocol/json-text.ts';
import type { Results } from '../../protocol/messages.ts';
import { Deferred, EncodedResult, type Handler, type Reply } from '../context.ts';
import { conversationId, findGroup, findUser, me } from './common.ts';

/**
 * Store first, then ack with the stored seq, then wake the recipients: a message the sender
 * saw acked survives a crash, and a lost wake-up is repaired by the recipient's next sync.
 *
 * This is the one handler that runs once per chat message, so its frames are written as JSON
 * text directly (same keys, same order as JSON.stringify of the view objects would give; a unit
 * test compares the two) and the reply is a callback-driven Deferred, not a promise chain.
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
  let target: string; // `"to":"peer"` or `"group":"name"`
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
    target = `"to":${jsonString(peer.name)}`;
  } else {
    const group = await findGroup(ctx, body.group!);
    conversation = group.conversationId;
    recipients = await ctx.store.memberIds(conversation);
    if (!recipients.includes(user.id)) throw new ChatError('CHAT_ERR_NOT_MEMBER');
    target = `"group":${jsonString(group.name)}`;
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
      const frame = `{"type":"message","conversation":"${id}","seq":${r!.seq},"from":${jsonString(user.name)},${target},"text":${jsonString(text)},"ts":"${ts}"${clientMsgId === null ? '' : `,"client_msg_id":${jsonString(clientMsgId)}`}}\n`;
      ctx.bus.publish({ users: recipients, frame, exceptConn: sessionId });
    }
    const result = { conversation: id, seq: r!.seq, ts, duplicate: r!.duplicate };
    reply.resolve(new EncodedResult(result, `{"conversation":"${id}","seq":${r!.seq},"ts":"${ts}","duplicate":${r!.duplicate}}`));
  });
  return reply;
};
