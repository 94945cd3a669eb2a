import { errorFrame } from '../../protocol/frames.ts';
import type { SessionUser } from '../connection.ts';
import type { HandlerContext } from '../context.ts';

/** A token's public id (`sessions`): a prefix of its hash, which names it and cannot be used to resume. */
export function sessionIdOf(tokenHash: string): string {
  return `s${tokenHash.slice(0, 16)}`;
}

/**
 * Closes the user's other sessions on every node, through the bus: all of them but this one,
 * or only those holding one of `tokens`. Their tokens are already revoked in the store, so a
 * session the bus misses cannot resume; it only lingers until its connection ends.
 */
export function closeSessions(ctx: HandlerContext, user: SessionUser, why: string, tokens?: readonly string[]): void {
  ctx.bus.publish({
    users: [user.id],
    frame: errorFrame(null, 'CHAT_ERR_SESSION_REVOKED', why),
    exceptConn: ctx.session.id,
    close: tokens ? { tokens } : {},
  });
}
