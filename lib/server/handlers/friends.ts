import type { Handler } from '../context.ts';
import { me } from './common.ts';

export const friends: Handler<'friends'> = async (ctx) => {
  const user = me(ctx);
  const [list, requests] = await Promise.all([ctx.store.friendsOf(user.id), ctx.store.requestsOf(user.id)]);
  const online = await ctx.bus.onlineAmong(list.map((f) => f.id));
  return {
    friends: list.map((f) => ({ name: f.name, online: online.has(f.id) })),
    requests: requests.map((r) => ({ name: r.name, direction: r.direction })),
  };
};
