import type { ConversationRow } from '../../db/store.ts';
import type { ConversationView } from '../../protocol/messages.ts';
import type { Handler } from '../context.ts';
import { conversationId, me } from './common.ts';

export function conversationView(row: ConversationRow): ConversationView {
  return {
    conversation: conversationId(row.conversationId),
    ...(row.kind === 'direct' ? { with: row.peerName! } : { group: row.groupName! }),
    delivered: row.delivered,
    read: row.read,
    last_seq: row.lastSeq,
    unread: row.unread,
    mentions: row.mentions,
    notify: row.notify,
  };
}

export const conversations: Handler<'conversations'> = async (ctx) => ({
  conversations: (await ctx.store.conversationsOf(me(ctx).id)).map(conversationView),
});
