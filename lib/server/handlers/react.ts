import { ChatError } from '../../protocol/errors.ts';
import { isoTime } from '../../protocol/json-text.ts';
import { REACTION_MAX_BYTES } from '../../protocol/messages.ts';
import type { Handler } from '../context.ts';
import { applyEvent } from './event.ts';

// Controls and bidi overrides would let a reaction rewrite the line it is shown on.
const UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** Adds (or with `remove`, takes back) one's own reaction; doing it twice changes nothing. */
export const react: Handler<'react'> = async (ctx, body) => {
  if (!body.emoji.isWellFormed() || Buffer.byteLength(body.emoji) > REACTION_MAX_BYTES || UNSAFE.test(body.emoji)) {
    throw new ChatError('CHAT_ERR_BAD_REACTION');
  }
  const { conversation, result } = await applyEvent(ctx, body, 'reaction', body.emoji, body.remove === true);
  return { conversation, seq: result.seq, target: body.seq, ts: isoTime(result.ts), duplicate: result.duplicate, changed: result.changed };
};
