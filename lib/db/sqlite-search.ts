// SqliteStore's search index: an FTS5 table (sql/sqlite/008_search_index.sql) holding the tokens
// of search-tokens.ts, one row per *block* of messages (sql/sqlite/012_search_blocks.sql), and
// search_blocks, which says which messages a block covers. FTS5's own tokenizers do not fit:
// unicode61 does not split Chinese, and trigram finds nothing for a query of one or two
// characters. So the tokens are made in JS, the same ones MySQL indexes, and each is written as
// the hex of its UTF-8 bytes, which the `ascii` tokenizer keeps whole (no punctuation, case or
// non-ASCII rules apply to [0-9a-f]). A prefix query on the hex of one character finds the tokens
// that begin with it, since UTF-8 is prefix-free.
//
// Why blocks: an FTS5 row costs about as much to write as the message row itself (its doclist
// entries, its docsize row, the segment pages each commit flushes), which took a 1:1 message well
// over issue 17's budget of 15 % more server CPU. The append path gives a batch's messages
// consecutive rowids (sqlite-statements.ts), so each run of up to BLOCK_ROWS of them becomes one
// block: one FTS row (first rowid, the union of their tokens) and one search_blocks row (first,
// last). A block only narrows: search checks every message of a matching block with the real rule
// (chat_search_match, search-tokens.ts `matches`), so results are the same as per message.
// An edit or a delete rebuilds its message's block from the texts as they now are, in the same
// transaction, so a deleted or replaced text leaves no token behind. BLOCK_ROWS bounds that
// rebuild and the messages a search reads per matching block.
//
// Every write here runs inside the caller's transaction (better-sqlite3 has one connection), so
// the index changes in the same commit as the message.
import type Database from 'better-sqlite3';
import { collectPage, type SearchPage, type SearchPosition, type SearchRequest } from './search.ts';
import { blockTokenHexes, indexTokenHexes, matches, tokenHex as hex, type SearchPlan } from './search-tokens.ts';
import { REPLY_JOIN, SQLITE, searchColumns, toStoredMessage, type MessageRecord } from './shared-sql.ts';
import type { StoredMessage } from './store.ts';

type Db = Database.Database;

/** The most messages one block indexes. */
export const BLOCK_ROWS = 64;

/** The FTS5 column value of a text; also registered as the SQL function the migration indexes old messages with. */
export function ftsTokens(text: string): string {
  return indexTokenHexes(text).join(' ');
}

/** The FTS5 query of a plan: every token (implicit AND), or any token beginning with the prefix. */
export function ftsQuery(plan: SearchPlan): string {
  return plan.tokens ? plan.tokens.map((t) => `"${hex(t)}"`).join(' ') : `"${hex(plan.prefix)}"*`;
}

/**
 * The SQL functions: chat_search_tokens, which sql/sqlite/008_search_index.sql calls (registered
 * on every connection before migrating), and chat_search_match(text, terms), the real rule for a
 * message of a matching block, with the plan's terms joined by spaces (a term holds none).
 */
export function registerSearchFunctions(db: Db): void {
  db.function('chat_search_tokens', { deterministic: true }, (text: unknown) => ftsTokens(String(text)));
  let lastTerms = '';
  let plan: SearchPlan = { terms: [], prefix: '' };
  db.function('chat_search_match', { deterministic: true }, (text: unknown, terms: unknown) => {
    if (terms !== lastTerms) {
      lastTerms = String(terms);
      plan = { terms: lastTerms.split(' '), prefix: '' };
    }
    return matches(String(text), plan) ? 1 : 0;
  });
}

interface CandidateParams {
  user: number;
  match: string;
  terms: string;
  conv: number | null;
  sender: number | null;
  ts: number | null;
  cid: number | null;
  seq: number | null;
  limit: number;
}

export function prepareSearchIndex(db: Db) {
  const insertRow = db.prepare<[number, string]>('INSERT INTO search_index (rowid, tokens) VALUES (?, ?)');
  const removeRow = db.prepare<[number]>('DELETE FROM search_index WHERE rowid = ?');
  const insertBlock = db.prepare<[number, number]>('INSERT INTO search_blocks (first_id, last_id) VALUES (?, ?)');
  const removeBlock = db.prepare<[number]>('DELETE FROM search_blocks WHERE first_id = ?');
  const blockOf = db.prepare<[number], { first: number; last: number }>(
    'SELECT first_id AS first, last_id AS last FROM search_blocks WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1');
  const rowId = db.prepare<[number, number], number>('SELECT id FROM messages WHERE conversation_id = ? AND seq = ?').pluck();
  // The texts a block indexes: its messages as they now are, but for those of a conversation
  // about to be dropped (-1: none is).
  const blockTexts = db.prepare<[number, number, number], { id: number; text: string }>(
    `SELECT id, text FROM messages WHERE id BETWEEN ? AND ? AND kind = 'message' AND deleted = 0 AND conversation_id <> ?
     ORDER BY id`);
  // The blocks that hold a conversation's indexed messages: for each, the last block starting at or before it.
  const blocksOfConversation = db.prepare<[number], { first: number; last: number }>(`
    SELECT DISTINCT b.first_id AS first, b.last_id AS last
    FROM messages m JOIN search_blocks b ON b.first_id = (SELECT max(x.first_id) FROM search_blocks x WHERE x.first_id <= m.id)
    WHERE m.conversation_id = ? AND m.kind = 'message' AND m.deleted = 0`);

  /**
   * Writes block `first` anew from its messages' texts; a block left with no message goes. One
   * whose texts have no token (only whitespace) stays: an edit of one of them must find it.
   * The block shrinks to the ids of the messages it still holds: a dropped group's rows are
   * deleted, and when they were the table's last rows SQLite gives their ids to the next
   * messages, which must not fall inside this block too (a search would find them twice).
   */
  const rebuild = (first: number, last: number, droppedConversation = -1): void => {
    removeRow.run(first);
    const rows = blockTexts.all(first, last, droppedConversation);
    if (rows.length === 0) return void removeBlock.run(first);
    const [from, to] = [rows[0]!.id, rows[rows.length - 1]!.id];
    if (from !== first || to !== last) {
      removeBlock.run(first);
      insertBlock.run(from, to);
    }
    const tokens = blockTokenHexes(rows.map((r) => r.text));
    if (tokens.length > 0) insertRow.run(from, tokens.join(' '));
  };
  const candidates = db.prepare<[CandidateParams], MessageRecord>(`
    WITH blocks AS MATERIALIZED (SELECT rowid AS first FROM search_index WHERE search_index MATCH @match)
    SELECT ${searchColumns(SQLITE)}
    FROM blocks
    CROSS JOIN search_blocks b ON b.first_id = blocks.first
    CROSS JOIN messages m ON m.id BETWEEN b.first_id AND b.last_id
    CROSS JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = @user AND m.seq > mb.visible_after
    LEFT JOIN users u ON u.id = m.sender_id
    ${REPLY_JOIN}
    WHERE m.kind = 'message' AND m.deleted = 0
      AND (@conv IS NULL OR m.conversation_id = @conv)
      AND (@sender IS NULL OR m.sender_id = @sender)
      AND (@ts IS NULL OR (m.created_at, m.conversation_id, m.seq) < (@ts, @cid, @seq))
      AND chat_search_match(m.text, @terms)
    ORDER BY m.created_at DESC, m.conversation_id DESC, m.seq DESC
    LIMIT @limit`);

  return {
    /**
     * Indexes new messages with consecutive rowids from `firstRowId` as one block (the append
     * path; at most BLOCK_ROWS of them). Call inside the transaction that stores them.
     */
    indexTexts(firstRowId: number, texts: readonly string[]): void {
      const tokens = blockTokenHexes(texts);
      insertBlock.run(firstRowId, firstRowId + texts.length - 1);
      if (tokens.length > 0) insertRow.run(firstRowId, tokens.join(' '));
    },
    /**
     * After a stored message's text changed (an edit) or went (a delete), in the same
     * transaction: its block is written anew, so the index holds only the texts as they now are.
     */
    reindexMessage(conversationId: number, seq: number): void {
      const id = rowId.get(conversationId, seq);
      const block = id === undefined ? undefined : blockOf.get(id);
      if (block !== undefined && block.last >= id!) rebuild(block.first, block.last);
    },
    /** Before a conversation's messages are deleted (its group is gone): the blocks they share with others keep only the others'. */
    unindexConversation(conversationId: number): void {
      for (const block of blocksOfConversation.all(conversationId)) rebuild(block.first, block.last, conversationId);
    },
    search(req: SearchRequest): Promise<SearchPage> {
      const match = ftsQuery(req.plan);
      const terms = req.plan.terms.join(' ');
      return collectPage(req, async (before: SearchPosition | undefined, n: number) => candidates.all({
        user: req.userId, match, terms, conv: req.conversationId ?? null, sender: req.senderId ?? null,
        ts: before?.ts ?? null, cid: before?.conversationId ?? null, seq: before?.seq ?? null, limit: n,
      }).map(toStoredMessage));
    },
  };
}

export type SqliteSearchIndex = ReturnType<typeof prepareSearchIndex>;
