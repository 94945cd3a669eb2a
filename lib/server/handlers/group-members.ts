import { ChatError } from '../../protocol/errors.ts';
import type { Handler } from '../context.ts';
import { findGroup, me } from './common.ts';

export const groupMembers: Handler<'group_members'> = async (ctx, body) => {
  const user = me(ctx);
  const group = await findGroup(ctx, body.group);
  const members = await ctx.store.groupMembers(group.id);
  if (!members.some((m) => m.id === user.id)) throw new ChatError('CHAT_ERR_NOT_MEMBER');
  const online = await ctx.bus.onlineAmong(members.map((m) => m.id));
  return { group: group.name, members: members.map((m) => ({ name: m.name, role: m.role, online: online.has(m.id) })) };
};
