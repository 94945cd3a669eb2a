import type { Handler } from '../context.ts';
import { conversationId, me, newNameOrThrow } from './common.ts';

export const groupCreate: Handler<'group_create'> = async (ctx, body) => {
  const user = me(ctx);
  const { name, key } = newNameOrThrow(body.group, 'group');
  const group = await ctx.store.createGroup(name, key, body.desc ?? '', user.id, { private: body.private, history: body.history });
  return { group: group.name, desc: group.desc, conversation: conversationId(group.conversationId), private: group.private, history: group.history };
};
