// What crossed friend_adds stored before addFriend decided in one transaction (both A->B and
// B->A), as rows for a database at the schema before the repair migration (sqlite 004, mysql
// 002). Plain SQL that both dialects accept, so the two upgrade tests seed the same state.
export const CROSSED_REQUESTS_SEED = `INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES
    (1, 'A', 'a', 'h', 0), (2, 'B', 'b', 'h', 0), (3, 'C', 'c', 'h', 0), (4, 'D', 'd', 'h', 0), (5, 'E', 'e', 'h', 0), (6, 'F', 'f', 'h', 0);
  INSERT INTO conversations (id, kind, direct_key, created_at) VALUES (9, 'direct', '1:3', 0);
  INSERT INTO friendships VALUES (1, 3, 9, 0), (3, 1, 9, 0);
  INSERT INTO members (conversation_id, user_id, joined_at) VALUES (9, 1, 0), (9, 3, 0);
  INSERT INTO friend_requests (from_id, to_id, created_at) VALUES
    (2, 1, 9), (1, 2, 5),  -- crossed: the earlier, 1->2, stays
    (4, 3, 7), (3, 4, 7),  -- crossed at the same ms: the one from the lower id, 3->4, stays
    (5, 6, 1),             -- one request: untouched
    (3, 1, 2)              -- between friends: goes
  `;

/** friend_requests (from, to) left after the repair migration */
export const CROSSED_REQUESTS_LEFT = [[1, 2], [3, 4], [5, 6]];
