// MysqlStore's search index: the table search_tokens (sql/mysql/006_search_index.sql), one row per
// distinct token (lib/db/search-tokens.ts) of each message. MariaDB 10.11 has no ngram parser,
// and InnoDB FULLTEXT ignores tokens shorter than innodb_ft_min_token_size (3, fixed at server
// start), so a two-character Chinese word would never be found; our own table of the same tokens
// SQLite indexes finds what SQLite finds. Every write runs on the caller's connection, inside the
// transaction that stores, edits or deletes the message.
import type { Connection } from './mysql-pool.ts';
import type { SearchPosition, SearchRequest } from './search.ts';
import { indexTokenHexes, indexTokens, prefixEnd } from './search-tokens.ts';
import { MYSQL, REPLY_JOIN, searchColumns } from './shared-sql.ts';

type Param = string | number | null;

/** Rows per INSERT: a long text has thousands of tokens, and one statement stays well under max_allowed_packet. */
const ROWS_PER_INSERT = 2_000;

export interface IndexedText {
  conversationId: number;
  seq: number;
  text: string;
}

/**
 * The rows go in as literals, not placeholders: a batch of 22 short messages has ~1000 token rows,
 * and mysql2 escaping ~3000 parameters cost more node CPU than the rest of the append. Every value
 * is safe to write as it is: ids and seqs are integers from the store, a token is its hex.
 */
function tokenRows(texts: IndexedText[], keepExisting: boolean): string[] {
  const statements: string[] = [];
  let rows: string[] = [];
  const flush = () => {
    if (rows.length === 0) return;
    // Only the backfill may meet rows already there (a re-run after an interruption).
    statements.push(`INSERT INTO search_tokens (conversation_id, token, seq) VALUES ${rows.join(',')}${keepExisting ? ' ON DUPLICATE KEY UPDATE seq = seq' : ''}`);
    rows = [];
  };
  for (const t of texts) {
    const conversationId = Math.trunc(Number(t.conversationId));
    const seq = Math.trunc(Number(t.seq));
    for (const hex of indexTokenHexes(t.text)) {
      rows.push(`(${conversationId},x'${hex}',${seq})`);
      if (rows.length === ROWS_PER_INSERT) flush();
    }
  }
  flush();
  return statements;
}

async function insertTokens(conn: Connection, texts: IndexedText[], keepExisting: boolean): Promise<void> {
  for (const sql of tokenRows(texts, keepExisting)) await conn.query(sql);
}

/**
 * The statements that index the texts of new messages (the append batch), for the caller to send
 * in its own round trip inside the transaction that stores them.
 */
export function tokenInserts(texts: IndexedText[]): string[] {
  return tokenRows(texts, false);
}

/** Indexes one message's text, inside the transaction that stores or edits it; an edit calls unindexText first. */
export function indexText(conn: Connection, conversationId: number, seq: number, text: string): Promise<void> {
  return insertTokens(conn, [{ conversationId, seq, text }], false);
}

/**
 * Drops a message from the index (delete, or before an edit re-indexes it), inside the same
 * transaction. `indexedText` is the text that was indexed: its tokens name the rows to delete,
 * which are primary-key lookups rather than a scan of the conversation's tokens.
 */
export async function unindexText(conn: Connection, conversationId: number, seq: number, indexedText: string): Promise<void> {
  const tokens = indexTokens(indexedText);
  for (let at = 0; at < tokens.length; at += ROWS_PER_INSERT) {
    const part = tokens.slice(at, at + ROWS_PER_INSERT);
    await conn.query(`DELETE FROM search_tokens WHERE conversation_id = ? AND seq = ? AND token IN (${part.map(() => '?').join(', ')})`,
      [conversationId, seq, ...part]);
  }
}

/** Before a conversation's messages are deleted (its group is gone). */
export async function unindexConversation(conn: Connection, conversationId: number): Promise<void> {
  await conn.execute('DELETE FROM search_tokens WHERE conversation_id = ?', [conversationId]);
}

/**
 * The candidate query for a search (text protocol: its IN list varies). Tokens: the messages that
 * hold all of them (one row per distinct token, so the count says so). A prefix: the messages
 * with any token in [prefix, next character).
 */
export function candidateQuery(req: SearchRequest, before: SearchPosition | undefined, n: number): { sql: string; params: Param[] } {
  const { plan } = req;
  const params: Param[] = [req.userId];
  let tokenCondition: string;
  let having = '';
  if (plan.tokens) {
    tokenCondition = `t.token IN (${plan.tokens.map(() => '?').join(', ')})`;
    params.push(...plan.tokens);
    having = `HAVING COUNT(*) = ${plan.tokens.length}`;
  } else {
    const end = prefixEnd(plan.prefix);
    tokenCondition = end === null ? 't.token >= ?' : 't.token >= ? AND t.token < ?';
    params.push(plan.prefix, ...(end === null ? [] : [end]));
  }
  const conv = req.conversationId ?? null;
  const sender = req.senderId ?? null;
  params.push(conv, conv, sender, sender);
  params.push(before?.ts ?? null, before?.ts ?? null, before?.conversationId ?? null, before?.seq ?? null, n);
  return {
    sql: `
      SELECT ${searchColumns(MYSQL)}
      FROM (
        SELECT t.conversation_id AS c, t.seq AS s FROM search_tokens t
        JOIN members mb ON mb.conversation_id = t.conversation_id AND mb.user_id = ? AND t.seq > mb.visible_after
        WHERE ${tokenCondition} AND (? IS NULL OR t.conversation_id = ?)
        GROUP BY t.conversation_id, t.seq ${having}
      ) hit
      JOIN messages m ON m.conversation_id = hit.c AND m.seq = hit.s
      LEFT JOIN users u ON u.id = m.sender_id
      ${REPLY_JOIN}
      WHERE (? IS NULL OR m.sender_id = ?)
        AND (? IS NULL OR (m.created_at, m.conversation_id, m.seq) < (?, ?, ?))
      ORDER BY m.created_at DESC, m.conversation_id DESC, m.seq DESC
      LIMIT ?`,
    params,
  };
}

const BACKFILL_PAGE = 500;

/**
 * The code step of sql/mysql/006_search_index.sql: indexes every message stored before it, in
 * pages by primary key. Re-runnable: rows already indexed are kept as they are.
 */
export async function indexExistingMessages(conn: Connection): Promise<void> {
  let after: [number, number] = [0, 0];
  for (;;) {
    const [rows] = await conn.query(`
      SELECT conversation_id AS conversationId, seq, text FROM messages
      WHERE (conversation_id > ? OR (conversation_id = ? AND seq > ?)) AND kind = 'message' AND deleted = 0
      ORDER BY conversation_id, seq LIMIT ${BACKFILL_PAGE}`, [after[0], after[0], after[1]]);
    const page = rows as IndexedText[];
    if (page.length === 0) return;
    await insertTokens(conn, page, true);
    const last = page[page.length - 1]!;
    after = [last.conversationId, last.seq];
  }
}
