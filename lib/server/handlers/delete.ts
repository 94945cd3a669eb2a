import { isoTime } from '../../protocol/json-text.ts';
import type { Handler } from '../context.ts';
import { applyEvent } from './event.ts';

/** Deletes a message: its text leaves storage and a tombstone stays (rules.ts planEvent says who may). */
export const deleteMessage: Handler<'delete'> = async (ctx, body) => {
  const { conversation, result } = await applyEvent(ctx, body, 'delete', '');
  return { conversation, seq: result.seq!, target: body.seq, ts: isoTime(result.ts), duplicate: result.duplicate };
};
