import type { Handler } from '../context.ts';
import { conversationId, me } from './common.ts';

export const unread: Handler<'unread'> = async (ctx) => ({
  unread: (await ctx.store.conversationsOf(me(ctx).id)).map((row) => ({
    conversation: conversationId(row.conversationId),
    ...(row.kind === 'direct' ? { with: row.peerName! } : { group: row.groupName! }),
    count: row.unread,
    mentions: row.mentions,
    notify: row.notify,
  })),
});
