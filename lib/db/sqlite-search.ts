// SqliteStore's search index: an FTS5 table (sql/sqlite/008_search_index.sql) whose rowid is the
// message's rowid and whose one column holds the tokens of search-tokens.ts. FTS5's own
// tokenizers do not fit: unicode61 does not split Chinese, and trigram finds nothing for a query
// of one or two characters. So the tokens are made in JS, the same ones MySQL indexes, and each is
// written as the hex of its UTF-8 bytes, which the `ascii` tokenizer keeps whole (no punctuation,
// case or non-ASCII rules apply to [0-9a-f]). A prefix query on the hex of one character finds
// the tokens that begin with it, since UTF-8 is prefix-free.
//
// Every write here runs inside the caller's transaction (better-sqlite3 has one connection), so
// the index changes in the same commit as the message.
import type Database from 'better-sqlite3';
import { collectPage, type SearchPage, type SearchPosition, type SearchRequest } from './search.ts';
import { indexTokenHexes, tokenHex as hex, type SearchPlan } from './search-tokens.ts';
import { REPLY_JOIN, SQLITE, searchColumns, toStoredMessage, type MessageRecord } from './shared-sql.ts';
import type { StoredMessage } from './store.ts';

type Db = Database.Database;

/** The FTS5 column value of a text; also registered as the SQL function the migration indexes old messages with. */
export function ftsTokens(text: string): string {
  return indexTokenHexes(text).join(' ');
}

/** The FTS5 query of a plan: every token (implicit AND), or any token beginning with the prefix. */
export function ftsQuery(plan: SearchPlan): string {
  return plan.tokens ? plan.tokens.map((t) => `"${hex(t)}"`).join(' ') : `"${hex(plan.prefix)}"*`;
}

/** The SQL function sql/sqlite/008_search_index.sql calls; registered on every connection before migrating. */
export function registerSearchFunctions(db: Db): void {
  db.function('chat_search_tokens', { deterministic: true }, (text: unknown) => ftsTokens(String(text)));
}

interface CandidateParams {
  user: number;
  match: string;
  conv: number | null;
  sender: number | null;
  ts: number | null;
  cid: number | null;
  seq: number | null;
  limit: number;
}

export function prepareSearchIndex(db: Db) {
  const insert = db.prepare<[number, string]>('INSERT INTO search_index (rowid, tokens) VALUES (?, ?)');
  // One statement per chunk of new messages, as their rows go in (fewer statement runs per batch).
  const inserts = new Map<number, Database.Statement<unknown[]>>();
  const insertMany = (rows: number) => {
    let stmt = inserts.get(rows);
    if (!stmt) {
      stmt = db.prepare(`INSERT INTO search_index (rowid, tokens) VALUES ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`);
      inserts.set(rows, stmt);
    }
    return stmt;
  };
  const remove = db.prepare<[number]>('DELETE FROM search_index WHERE rowid = ?');
  const removeConversation = db.prepare<[number]>(
    'DELETE FROM search_index WHERE rowid IN (SELECT id FROM messages WHERE conversation_id = ?)');
  const rowId = db.prepare<[number, number], number>('SELECT id FROM messages WHERE conversation_id = ? AND seq = ?').pluck();
  const candidates = db.prepare<[CandidateParams], MessageRecord>(`
    SELECT ${searchColumns(SQLITE)}
    FROM search_index s
    JOIN messages m ON m.id = s.rowid
    JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = @user AND m.seq > mb.visible_after
    LEFT JOIN users u ON u.id = m.sender_id
    ${REPLY_JOIN}
    WHERE search_index MATCH @match
      AND (@conv IS NULL OR m.conversation_id = @conv)
      AND (@sender IS NULL OR m.sender_id = @sender)
      AND (@ts IS NULL OR (m.created_at, m.conversation_id, m.seq) < (@ts, @cid, @seq))
    ORDER BY m.created_at DESC, m.conversation_id DESC, m.seq DESC
    LIMIT @limit`);

  return {
    /**
     * Indexes a message's text under its rowid (`messages.id`). Call inside the transaction that
     * stores or edits the message; an edit calls unindexText first.
     */
    indexText(messageRowId: number, text: string): void {
      insert.run(messageRowId, ftsTokens(text));
    },
    /** indexText for messages with consecutive rowids from `firstRowId`, in one statement (the append path). */
    indexTexts(firstRowId: number, texts: readonly string[]): void {
      if (texts.length === 1) return void insert.run(firstRowId, ftsTokens(texts[0]!));
      const params: (number | string)[] = [];
      texts.forEach((text, i) => params.push(firstRowId + i, ftsTokens(text)));
      insertMany(texts.length).run(params);
    },
    /** Drops a message from the index (delete, or before an edit re-indexes it). Same transaction as the change. */
    unindexText(messageRowId: number): void {
      remove.run(messageRowId);
    },
    /** The rowid of a stored message, for indexText/unindexText, or undefined. */
    messageRowId(conversationId: number, seq: number): number | undefined {
      return rowId.get(conversationId, seq);
    },
    /** Before a conversation's messages are deleted (its group is gone). */
    unindexConversation(conversationId: number): void {
      removeConversation.run(conversationId);
    },
    search(req: SearchRequest): Promise<SearchPage> {
      const match = ftsQuery(req.plan);
      return collectPage(req, async (before: SearchPosition | undefined, n: number) => candidates.all({
        user: req.userId, match, conv: req.conversationId ?? null, sender: req.senderId ?? null,
        ts: before?.ts ?? null, cid: before?.conversationId ?? null, seq: before?.seq ?? null, limit: n,
      }).map(toStoredMessage));
    },
  };
}

export type SqliteSearchIndex = ReturnType<typeof prepareSearchIndex>;
