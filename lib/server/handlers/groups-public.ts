import { nameKey } from '../../protocol/names.ts';
import type { Handler } from '../context.ts';
import { me } from './common.ts';

const DEFAULT_LIMIT = 50;

/**
 * The directory of public groups, by name, a page at a time; `prefix` matches names regardless
 * of case, as names do. Private groups are never listed.
 */
export const groupsPublic: Handler<'groups_public'> = async (ctx, body) => {
  me(ctx);
  const limit = body.limit ?? DEFAULT_LIMIT;
  const prefix = body.prefix ? nameKey(body.prefix) : '';
  const rows = await ctx.store.publicGroups(prefix, body.after ?? '', limit + 1);
  const page = rows.slice(0, limit);
  const groups = page.map(({ name, desc, members }) => ({ name, desc, members }));
  return rows.length > limit ? { groups, next: page.at(-1)!.key } : { groups };
};
