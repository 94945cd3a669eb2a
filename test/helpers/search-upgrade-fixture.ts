// Messages in a database at the schema before the search index (sqlite 008, mysql 006 at the time
// of writing), for the two upgrade tests: after migrating, the old messages must be found. Plain
// SQL that both dialects accept. More filler than one backfill page (mysql-search.ts), in two
// conversations, so that paging through old messages is exercised too.
const FILLER = 1_100;

const filler = Array.from({ length: FILLER }, (_, i) => `(${i % 2 ? 7 : 8}, ${Math.floor(i / 2) + 3}, 1, 'filler ${i}', NULL, ${1_000 + i})`);

export const SEARCH_UPGRADE_SEED = `INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES
    (1, 'A', 'a', 'h', 0), (2, 'B', 'b', 'h', 0), (3, 'C', 'c', 'h', 0);
  INSERT INTO conversations (id, kind, direct_key, last_seq, created_at) VALUES (7, 'direct', '1:2', ${FILLER / 2 + 2}, 0), (8, 'direct', '1:3', ${FILLER / 2 + 2}, 0);
  INSERT INTO friendships VALUES (1, 2, 7, 0), (2, 1, 7, 0), (1, 3, 8, 0), (3, 1, 8, 0);
  INSERT INTO members (conversation_id, user_id, joined_at) VALUES (7, 1, 0), (7, 2, 0), (8, 1, 0), (8, 3, 0);
  INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at) VALUES
    (7, 1, 1, '明天的会议改到下午', NULL, 1), (7, 2, 2, 'Hello there', NULL, 2),
    (8, 1, 3, '数据在这里', NULL, 3), (8, 2, 1, 'nothing', NULL, 4),
    ${filler.join(',\n    ')};
  `;

/** What user 2 (a member of conversation 7 only) finds after the upgrade, by query. */
export const SEARCH_UPGRADE_FOUND: [number, string, string[]][] = [
  [2, '会议', ['明天的会议改到下午']],
  [2, 'ELLO', ['Hello there']],
  [2, '数据', []],
  [3, '数据', ['数据在这里']],
  [1, 'filler 1099', ['filler 1099']],
  [3, 'filler 1098', ['filler 1098']],
  [2, 'filler 1098', []],
];

/** The search index migration's number: a database at the migrations below it is "the previous schema". */
export function searchIndexVersion(files: readonly string[]): number {
  return Number(files.find((name) => /_search_index\.sql$/.test(name))!.split('_')[0]);
}
