// Groups, members and creators as a database at the schema before roles and privacy (sqlite 004,
// mysql 002) holds them, plus what the upgrade must keep. Plain SQL that both dialects accept, so
// the two upgrade tests seed the same state.
export const GROUPS_SEED = `INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES
    (1, 'Ann', 'ann', 'h', 0), (2, 'Bob', 'bob', 'h', 0), (3, 'Cid', 'cid', 'h', 0);
  INSERT INTO conversations (id, kind, direct_key, last_seq, created_at) VALUES (7, 'group', NULL, 2, 0), (8, 'group', NULL, 0, 0);
  INSERT INTO chat_groups (id, name, name_key, description, creator_id, conversation_id, created_at) VALUES
    (1, 'Rust', 'rust', 'about rust', 2, 7, 0), (2, 'Solo', 'solo', '', 3, 8, 0);
  INSERT INTO members (conversation_id, user_id, role, delivered_seq, read_seq, joined_at) VALUES
    (7, 1, 'member', 1, 2, 10), (7, 2, 'creator', 2, 2, 5), (7, 3, 'member', 0, 0, 20), (8, 3, 'creator', 0, 0, 1);
  INSERT INTO messages (conversation_id, seq, sender_id, text, client_msg_id, created_at) VALUES
    (7, 1, 2, 'one', NULL, 1), (7, 2, 1, 'two', NULL, 2)
  `;

/** Every group after the upgrade: creator and members kept, public with shared history. */
export const GROUPS_AFTER = [
  { name: 'Rust', creatorId: 2, private: false, history: 'shared', members: ['Bob:creator', 'Ann:member', 'Cid:member'] },
  { name: 'Solo', creatorId: 3, private: false, history: 'shared', members: ['Cid:creator'] },
];
