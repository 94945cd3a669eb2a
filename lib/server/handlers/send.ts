import { ChatError } from '../../protocol/errors.ts';
import type { MessageView } from '../../protocol/messages.ts';
import { Deferred, type Handler } from '../context.ts';
import { conversationId, findGroup, findUser, me, push } from './common.ts';

/**
 * Store first, then ack with the stored seq, then wake the recipients: a message the sender
 * saw acked survives a crash, and a lost wake-up is repaired by the recipient's next sync.
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
  let recipients: number[];
  const view: Partial<MessageView> = {};
  if (body.to !== undefined) {
    const peer = await findUser(ctx, body.to);
    const direct = peer.id === user.id ? null : await ctx.store.directConversation(user.id, peer.id);
    if (direct === null) throw new ChatError('CHAT_ERR_NOT_FRIENDS');
    conversation = direct;
    recipients = [user.id, peer.id];
    view.to = peer.name;
  } else {
    const group = await findGroup(ctx, body.group!);
    conversation = group.conversationId;
    recipients = await ctx.store.memberIds(conversation);
    if (!recipients.includes(user.id)) throw new ChatError('CHAT_ERR_NOT_MEMBER');
    view.group = group.name;
  }

  const clientMsgId = body.client_msg_id ?? null;
  const stored = ctx.append({ conversationId: conversation, senderId: user.id, text: body.text, clientMsgId, ts: Date.now() });
  return new Deferred(
    stored.then((r) => {
      const ts = new Date(r.ts).toISOString();
      const id = conversationId(conversation);
      if (!r.duplicate) {
        // Encoded once, shared by every recipient session; the sender's other sessions get it too.
        push(ctx, recipients, {
          type: 'message', conversation: id, seq: r.seq, from: user.name, ...view, text: body.text, ts,
          ...(clientMsgId === null ? {} : { client_msg_id: clientMsgId }),
        });
      }
      return { conversation: id, seq: r.seq, ts, duplicate: r.duplicate };
    }),
  );
};
