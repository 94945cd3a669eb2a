import type { ConversationRow } from '../../db/store.ts';
import type { MessageView } from '../../protocol/messages.ts';
import type { SessionUser } from '../connection.ts';
import type { Handler, HandlerContext } from '../context.ts';
import { attachReactions, conversationId, fitPage, me, messageView, resolveConversation, visibleTo } from './common.ts';

const DEFAULT_LIMIT = 50;
/** Pages read again when an event committed while the page was read (bounded: a busy conversation still gets an answer). */
const STABLE_TRIES = 3;

/**
 * Pages backwards: the newest `limit` messages before `before` (default: the end), oldest first,
 * each folded to its current state (edits, deletion, reactions); events are not counted or shown.
 * Cursors do not move.
 *
 * `last_seq` tells the client which events the page already holds folded in, so that it applies
 * only later ones. The page takes a few reads, so it is read again if the conversation moved on
 * meanwhile: an event committed between the reads would otherwise be in the page but after
 * `last_seq`, and a client would apply it twice (a reaction counted twice).
 */
export const history: Handler<'history'> = async (ctx, body) => {
  const user = me(ctx);
  let row = await resolveConversation(ctx, body);
  for (let attempt = 1; ; attempt++) {
    const views = await page(ctx, row, body.before, body.limit ?? DEFAULT_LIMIT, user);
    const now = await ctx.store.conversationOf(user.id, row.conversationId);
    if (now === null || now.lastSeq === row.lastSeq || attempt >= STABLE_TRIES) {
      return { conversation: conversationId(row.conversationId), messages: views, last_seq: row.lastSeq };
    }
    row = now;
  }
};

async function page(ctx: HandlerContext, row: ConversationRow, before: number | undefined, limit: number, user: SessionUser): Promise<MessageView[]> {
  // A member of a `joined` group sees nothing before their join.
  const fetched = visibleTo(await ctx.store.messagesBefore(row.conversationId, before ?? row.lastSeq + 1, limit), row);
  // Long texts may shorten the page from its old end; the client pages on with `before`.
  const messages = fetched.slice(fetched.length - fitPage(fetched, true));
  const views = messages.map((m) => messageView(m, row, user));
  if (messages.length > 0) {
    attachReactions(views, await ctx.store.reactionsOf(row.conversationId, messages[0]!.seq, messages.at(-1)!.seq, user.id));
  }
  return views;
}
