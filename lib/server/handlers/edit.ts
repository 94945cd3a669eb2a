import { isoTime } from '../../protocol/json-text.ts';
import type { Handler } from '../context.ts';
import { applyEvent, checkText } from './event.ts';

/** Replaces the text of one's own message; no time limit (docs/protocol.md says why). */
export const edit: Handler<'edit'> = async (ctx, body) => {
  checkText(ctx, body.text, 'edit');
  const { conversation, result } = await applyEvent(ctx, body, 'edit', body.text);
  return { conversation, seq: result.seq!, target: body.seq, ts: isoTime(result.ts), duplicate: result.duplicate };
};
