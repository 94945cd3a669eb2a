// MysqlStore's search index, by *blocks* as SQLite's is (sqlite-search.ts): a block is a run of
// up to BLOCK_MESSAGES consecutive messages of one conversation; search_block_tokens
// (sql/mysql/011_search_blocks.sql) holds one row per distinct token (lib/db/search-tokens.ts) of
// the block's texts together, and search_blocks says which seqs it covers. MariaDB 10.11 has no
// ngram parser, and InnoDB FULLTEXT ignores tokens shorter than innodb_ft_min_token_size (3, fixed
// at server start), so a two-character Chinese word would never be found; our own table of the
// same tokens SQLite indexes finds what SQLite finds.
//
// A conversation's newest block goes on filling across batches while nothing else came after it
// (search_blocks.size says how full it is): in a closed loop a batch holds one message per
// conversation, and a block per batch would still write a row per token of each message. So a
// message adds only the tokens its block does not hold yet (the INSERT leaves existing rows be).
//
// Why blocks: with a row per token of each message (migration 006's search_tokens), a 120-character
// text wrote ~25-100 rows, each on its own leaf of the primary key, and w64-10-mysql ran at under a
// third of the msg/s it reached with no index (docs/performance-notes.md, "MySQL's search index by
// blocks"). A block only narrows: a search reads every message of a matching block, and
// `collectPage` (search.ts) keeps those that really hold the terms, so results are the same as per
// message. An edit or a delete rewrites its message's block from the texts as they now are, in the
// same transaction, so a replaced or deleted text leaves no token behind. Every write runs on the
// caller's connection, inside the transaction that stores, edits or deletes the message.
import type { Connection } from './mysql-pool.ts';
import type { SearchPosition, SearchRequest } from './search.ts';
import { blockTokenHexes, prefixEnd } from './search-tokens.ts';
import { MYSQL, REPLY_JOIN, searchColumns } from './shared-sql.ts';

type Param = string | number | null;

/** The most messages one block indexes: it bounds an edit's rebuild and a search's reads per matching block. */
export const BLOCK_MESSAGES = 64;
/** Rows per INSERT: a long text has thousands of tokens, and one statement stays well under max_allowed_packet. */
const ROWS_PER_INSERT = 2_000;

export interface IndexedText {
  conversationId: number;
  seq: number;
  text: string;
}

interface Block {
  conversationId: number;
  first: number;
  last: number;
  /** messages the block held before this write (an open block the batch extends), then with `texts` */
  held: number;
  texts: string[];
  /** the hexes an open block holds already, when this node knows them (BlockTokenCache) */
  known?: ReadonlySet<string> | undefined;
}

/** A conversation's newest block, which the next batch of its messages goes on filling while it has room. */
export interface OpenBlock {
  first: number;
  size: number;
  /** its token hexes, if this node knows them */
  known?: ReadonlySet<string> | undefined;
}

/**
 * The token hexes of open blocks as this node committed them, so that a message adds only the
 * tokens its block lacks without reading the block's rows. An entry holds for the block state
 * (first seq, size) it was written at: another node's message in the same block changes the size,
 * and this node's entry is then not used. An edit, a delete or a reaction is an entry after the
 * block, which closes it for good, so no entry outlives a rewrite of its block. Bounded: past
 * MAX_CACHED_TOKENS in all, it starts over.
 */
export class BlockTokenCache {
  private readonly blocks = new Map<number, { first: number; size: number; tokens: Set<string> }>();
  private tokens = 0;
  static readonly MAX_CACHED_TOKENS = 200_000;

  get(conversationId: number, first: number, size: number): ReadonlySet<string> | undefined {
    const e = this.blocks.get(conversationId);
    return e !== undefined && e.first === first && e.size === size ? e.tokens : undefined;
  }

  set(conversationId: number, first: number, size: number, tokens: Set<string>): void {
    const old = this.blocks.get(conversationId);
    if (old !== undefined) this.tokens -= old.tokens.size;
    if (this.tokens + tokens.size > BlockTokenCache.MAX_CACHED_TOKENS) this.clear();
    this.blocks.set(conversationId, { first, size, tokens });
    this.tokens += tokens.size;
  }

  clear(): void {
    this.blocks.clear();
    this.tokens = 0;
  }
}

/** What an append's blocks hold once it commits: for BlockTokenCache, applied only after the COMMIT. */
export type BlockStates = { conversationId: number; first: number; size: number; tokens: Set<string> }[];

/**
 * The texts cut into blocks: consecutive texts of one conversation, at most BLOCK_MESSAGES in a
 * block. A conversation's first texts go on filling its open block, if it has one (`open`: only
 * when nothing came after that block's last message). The append batch gives a conversation's new
 * messages consecutive seqs; the backfill reads them in (conversation, seq) order, so a
 * backfilled block's range may hold events too (search and a rewrite read its messages only).
 * Either way no block's range holds a message of another.
 */
function blocksOf(texts: readonly IndexedText[], open?: ReadonlyMap<number, OpenBlock>): Block[] {
  const current = new Map<number, Block>();
  const blocks: Block[] = [];
  for (const t of texts) {
    let b = current.get(t.conversationId);
    if (b === undefined) {
      const o = open?.get(t.conversationId);
      if (o !== undefined && o.size < BLOCK_MESSAGES) b = { conversationId: t.conversationId, first: o.first, last: t.seq, held: o.size, texts: [], known: o.known };
    } else if (b.held + b.texts.length === BLOCK_MESSAGES || t.seq <= b.last) b = undefined;
    if (b === undefined) b = { conversationId: t.conversationId, first: t.seq, last: t.seq, held: 0, texts: [] };
    if (current.get(t.conversationId) !== b) {
      current.set(t.conversationId, b);
      blocks.push(b);
    }
    b.last = t.seq;
    b.texts.push(t.text);
  }
  return blocks;
}

const int = (n: number) => Math.trunc(Number(n));

/**
 * The statements that write blocks: their search_blocks rows (an open block's grows in place), then
 * their token rows, of which an open block may have some already. The rows go in as literals, not
 * placeholders (mysql2 escaping thousands of parameters cost more node CPU than the rest of the
 * append), and every value is safe as it is: ids and seqs are integers from the store, a token is
 * its hex.
 */
function blockStatements(blocks: readonly Block[], blockRows = true, states?: BlockStates): string[] {
  if (blocks.length === 0) return [];
  const statements = blockRows ? [`INSERT INTO search_blocks (conversation_id, first_seq, last_seq, size) VALUES ${
    blocks.map((b) => `(${int(b.conversationId)},${int(b.first)},${int(b.last)},${b.held + b.texts.length})`).join(',')
  } ON DUPLICATE KEY UPDATE last_seq = VALUES(last_seq), size = VALUES(size)`] : [];
  let rows: string[] = [];
  const flush = () => {
    if (rows.length === 0) return;
    statements.push(`INSERT INTO search_block_tokens (conversation_id, token, first_seq) VALUES ${rows.join(',')} ON DUPLICATE KEY UPDATE token = token`);
    rows = [];
  };
  for (const b of blocks) {
    const key = `${int(b.conversationId)},x'`;
    const tail = `',${int(b.first)})`;
    const known = b.known;
    // a new block's tokens are all known once written; an open one's only if they were before
    const after = states !== undefined && (b.held === 0 || known !== undefined) ? new Set(known) : undefined;
    for (const hex of blockTokenHexes(b.texts)) {
      if (known?.has(hex)) continue;
      after?.add(hex);
      rows.push(`(${key}${hex}${tail}`);
      if (rows.length === ROWS_PER_INSERT) flush();
    }
    if (after !== undefined) states!.push({ conversationId: b.conversationId, first: b.first, size: b.held + b.texts.length, tokens: after });
  }
  flush();
  return statements;
}

/**
 * The statements that index the texts of new messages (the append batch, in batch order), for the
 * caller to send in its own round trip inside the transaction that stores them; `open`: the
 * conversations' open blocks, read in that transaction under their conversation locks.
 */
export function blockInserts(texts: readonly IndexedText[], open?: ReadonlyMap<number, OpenBlock>, states?: BlockStates): string[] {
  return blockStatements(blocksOf(texts, open), true, states);
}

/**
 * The query for the open blocks of the conversations `ids` (`?` each), under their locks: each one's
 * newest block with its size and last seq. It is open for the batch when its last seq is still
 * the conversation's last (`openBlocks`).
 */
export const newestBlocksQuery = (ids: number) => `
  SELECT b.conversation_id AS c, b.first_seq AS f, b.last_seq AS l, b.size AS n FROM search_blocks b
  JOIN (SELECT conversation_id, MAX(first_seq) AS f FROM search_blocks WHERE conversation_id IN (${Array(ids).fill('?').join(', ')})
        GROUP BY conversation_id) o ON o.conversation_id = b.conversation_id AND o.f = b.first_seq`;

/** The open blocks among newestBlocksQuery's rows: those no entry came after (`lastSeq`: each conversation's stored last seq). */
export function openBlocks(rows: readonly { c: number; f: number; l: number; n: number }[], lastSeq: ReadonlyMap<number, number>,
  cache?: BlockTokenCache): Map<number, OpenBlock> {
  const open = new Map<number, OpenBlock>();
  for (const r of rows) {
    const [c, first, size] = [Number(r.c), Number(r.f), Number(r.n)];
    if (Number(r.l) === lastSeq.get(c)) open.set(c, { first, size, known: cache?.get(c, first, size) });
  }
  return open;
}

const blockTexts = async (conn: Connection, conversationId: number, first: number, last: number): Promise<string[]> => {
  const [rows] = await conn.execute(
    "SELECT text FROM messages WHERE conversation_id = ? AND seq BETWEEN ? AND ? AND kind = 'message' AND deleted = 0 ORDER BY seq",
    [conversationId, first, last]);
  return (rows as { text: string }[]).map((r) => r.text);
};

/**
 * Runs `change`, which edits or deletes the stored message `seq`, and writes its block anew from
 * its messages' texts as they are after it, in the caller's transaction; a block left with no
 * message goes. One whose texts have no token (only whitespace) stays: an edit of one of them must
 * find it. The block's old rows are found by the tokens of its texts before the change (what the
 * index holds for them), as primary-key lookups: a second key by block would cost every token row
 * of every append another index entry.
 */
export async function rewritingBlock(conn: Connection, conversationId: number, seq: number, change: () => Promise<void>): Promise<void> {
  const [found] = await conn.execute(
    'SELECT first_seq AS first, last_seq AS last FROM search_blocks WHERE conversation_id = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1',
    [conversationId, seq]);
  const row = (found as { first: number; last: number }[])[0];
  if (row === undefined || Number(row.last) < seq) return change();
  const [first, last] = [Number(row.first), Number(row.last)];
  const held = blockTokenHexes(await blockTexts(conn, conversationId, first, last));
  await change();
  for (let at = 0; at < held.length; at += ROWS_PER_INSERT) {
    const part = held.slice(at, at + ROWS_PER_INSERT);
    await conn.query(`DELETE FROM search_block_tokens WHERE conversation_id = ? AND first_seq = ? AND token IN (${part.map((h) => `x'${h}'`).join(',')})`,
      [conversationId, first]);
  }
  const texts = await blockTexts(conn, conversationId, first, last);
  // the block row keeps its range and size (an open block goes on filling); it goes with its last message
  if (texts.length === 0) await conn.execute('DELETE FROM search_blocks WHERE conversation_id = ? AND first_seq = ?', [conversationId, first]);
  else for (const sql of blockStatements([{ conversationId, first, last, held: 0, texts }], false)) await conn.query(sql);
}

/** Before a conversation's messages are deleted (its group is gone). */
export async function unindexConversation(conn: Connection, conversationId: number): Promise<void> {
  await conn.execute('DELETE FROM search_block_tokens WHERE conversation_id = ?', [conversationId]);
  await conn.execute('DELETE FROM search_blocks WHERE conversation_id = ?', [conversationId]);
}

/** A matching block's messages that the searcher may see: seqs `from`..`to` of the conversation. */
export interface BlockRange {
  conversationId: number;
  from: number;
  to: number;
}

/**
 * The blocks that may hold matches (text protocol: its IN list varies), in the user's
 * conversations and past what they may see: those that hold all the tokens (one row per distinct
 * token of a block, so the count says so) or, for a prefix, any token in [prefix, next character).
 */
export function matchingBlocksQuery(req: SearchRequest): { sql: string; params: Param[] } {
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
  params.push(conv, conv);
  return {
    sql: `
      SELECT hit.c AS c, GREATEST(hit.f, hit.va + 1) AS lo, b.last_seq AS hi
      FROM (
        SELECT t.conversation_id AS c, t.first_seq AS f, mb.visible_after AS va FROM search_block_tokens t
        JOIN members mb ON mb.conversation_id = t.conversation_id AND mb.user_id = ?
        WHERE ${tokenCondition} AND (? IS NULL OR t.conversation_id = ?)
        GROUP BY t.conversation_id, t.first_seq, mb.visible_after ${having}
      ) hit
      JOIN search_blocks b ON b.conversation_id = hit.c AND b.first_seq = hit.f
      WHERE b.last_seq > hit.va`,
    params,
  };
}

/**
 * Candidates per round of collectPage: every message of a matching block is one, so most may not
 * match. The server sorts all the candidates of the ranges for any LIMIT, so a round costs about
 * the same for 50 or 500, and fewer rounds are what makes a page cheaper.
 */
export const CANDIDATES_PER_ROUND = 500;

/** Block ranges per candidate query: the range optimizer reads each as one interval of the primary key. */
export const RANGES_PER_QUERY = 500;

/**
 * The candidates of some matching blocks, newest first, strictly before `before`, at most `n`.
 * The ranges are a list of (conversation, seq interval) the server reads as intervals of the
 * messages' primary key: a join from the blocks could only look the conversation up and scan all
 * of it for each block. Written as literals: they are integers from the index.
 */
export function blockMessagesQuery(ranges: readonly BlockRange[], req: SearchRequest, before: SearchPosition | undefined, n: number): { sql: string; params: Param[] } {
  const within = ranges.map((r) => `(m.conversation_id = ${int(r.conversationId)} AND m.seq BETWEEN ${int(r.from)} AND ${int(r.to)})`).join(' OR ');
  const sender = req.senderId ?? null;
  // Most of a block's messages hold none of the terms. For an all-ASCII text, folding (NFKC, then
  // lower case) is lower-casing alone, so LOWER() LIKE decides it here as `matches` would; a text
  // with any other character (more bytes than characters) is left to `matches`, which may find an
  // ASCII term in it (full-width letters, ligatures). Only a term of ASCII alone is checked so.
  const asciiTerms = req.plan.terms.filter((t) => /^[\x00-\x7f]+$/.test(t));
  const termChecks = asciiTerms.map(() => 'AND (LENGTH(m.text) <> CHAR_LENGTH(m.text) OR LOWER(m.text) LIKE ?)').join(' ');
  const patterns = asciiTerms.map((t) => `%${t.replace(/[\\%_]/g, '\\$&')}%`);
  return {
    sql: `
      SELECT ${searchColumns(MYSQL)}
      FROM messages m
      LEFT JOIN users u ON u.id = m.sender_id
      ${REPLY_JOIN}
      WHERE (${within}) AND m.kind = 'message' AND m.deleted = 0 ${termChecks}
        AND (? IS NULL OR m.sender_id = ?)
        AND (? IS NULL OR (m.created_at, m.conversation_id, m.seq) < (?, ?, ?))
      ORDER BY m.created_at DESC, m.conversation_id DESC, m.seq DESC
      LIMIT ?`,
    params: [...patterns, sender, sender, before?.ts ?? null, before?.ts ?? null, before?.conversationId ?? null, before?.seq ?? null, n],
  };
}

/** Messages read per page of the backfill (a block never spans two pages: one may end early at a page's end). */
const BACKFILL_PAGE = 8 * BLOCK_MESSAGES;

/**
 * The code step of sql/mysql/011_search_blocks.sql: indexes every message stored before it, in
 * pages in (conversation, seq) order, and drops 006's per-message table. It starts over from empty
 * tables, so an interrupted run is simply run again (MySQL DDL is not transactional).
 */
export async function indexAllMessages(conn: Connection): Promise<void> {
  await conn.query('DELETE FROM search_block_tokens');
  await conn.query('DELETE FROM search_blocks');
  let after: [number, number] = [0, 0];
  for (;;) {
    const [rows] = await conn.query(`
      SELECT conversation_id AS conversationId, seq, text FROM messages
      WHERE (conversation_id > ? OR (conversation_id = ? AND seq > ?)) AND kind = 'message' AND deleted = 0
      ORDER BY conversation_id, seq LIMIT ${BACKFILL_PAGE}`, [after[0], after[0], after[1]]);
    const page = (rows as IndexedText[]).map((r) => ({ conversationId: Number(r.conversationId), seq: Number(r.seq), text: r.text }));
    if (page.length === 0) break;
    for (const sql of blockInserts(page)) await conn.query(sql);
    const last = page[page.length - 1]!;
    after = [last.conversationId, last.seq];
  }
  await conn.query('DROP TABLE IF EXISTS search_tokens');
}
