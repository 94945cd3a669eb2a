import type { Handler } from '../context.ts';
import { me } from './common.ts';

export const groups: Handler<'groups'> = async (ctx) => ({ groups: await ctx.store.groupsOf(me(ctx).id) });
