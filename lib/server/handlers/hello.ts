import { ChatError } from '../../protocol/errors.ts';
import { PROTOCOL_VERSION } from '../../protocol/messages.ts';
import type { Handler } from '../context.ts';

export const hello: Handler<'hello'> = async (ctx, body) => {
  if (body.version !== PROTOCOL_VERSION) {
    throw new ChatError('CHAT_ERR_PROTOCOL_VERSION', `this server speaks protocol ${PROTOCOL_VERSION}, the client ${body.version}`);
  }
  ctx.session.client = body.client ?? null;
  return { version: PROTOCOL_VERSION, server: 'chat', node: ctx.config.nodeId, max_line: ctx.config.maxLineBytes };
};
