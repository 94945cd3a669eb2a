import { ChatError } from '../../protocol/errors.ts';
import { checkPassword } from '../../protocol/names.ts';
import { hashPassword } from '../credentials.ts';
import type { Handler } from '../context.ts';
import { newNameOrThrow } from './common.ts';

export const register: Handler<'register'> = async (ctx, body) => {
  const { name, key } = newNameOrThrow(body.user, 'user');
  const weak = checkPassword(body.password);
  if (weak) throw new ChatError('CHAT_ERR_BAD_PASSWORD', `password ${weak}`);
  if (await ctx.store.userByKey(key)) throw new ChatError('CHAT_ERR_NAME_TAKEN'); // skip the hash when we already know
  const user = await ctx.store.createUser(name, key, await hashPassword(body.password));
  ctx.log.info({ user: user.name, userId: user.id }, 'registered');
  return { user_id: user.id, user: user.name };
};
