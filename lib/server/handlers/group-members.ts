import type { Handler } from '../context.ts';
import { findOwnGroup } from './common.ts';

export const groupMembers: Handler<'group_members'> = async (ctx, body) => {
  const { group } = await findOwnGroup(ctx, body.group);
  const members = await ctx.store.groupMembers(group.id);
  const online = await ctx.bus.onlineAmong(members.map((m) => m.id));
  return { group: group.name, members: members.map((m) => ({ name: m.name, role: m.role, online: online.has(m.id) })) };
};
