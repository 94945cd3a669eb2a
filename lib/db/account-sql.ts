// The SQL of AccountStore (store.ts), written once for both stores, as shared-sql.ts is for the rest.
import type { Dialect } from './shared-sql.ts';
import type { AdminAction, AdminActionRow, Credentials, TokenRecord } from './store.ts';

const CREDENTIALS = 'SELECT id, name, password_hash AS passwordHash, CASE WHEN suspended_at IS NULL THEN 0 ELSE 1 END AS suspended FROM users';

export function accountSqlFor(d: Dialect) {
  return {
    credentialsByKey: `${CREDENTIALS} WHERE name_key = ?`,
    credentialsById: `${CREDENTIALS} WHERE id = ?`,
    /** Parameters: client, address, node, conn, at, token hash. */
    holdToken: 'UPDATE tokens SET client = ?, address = ?, node = ?, live_conn = ?, last_used_at = ? WHERE token_hash = ?',
    /** Parameters: at, user. */
    loggedIn: 'UPDATE users SET last_login_at = ? WHERE id = ?',
    suspendedAt: 'SELECT suspended_at AS suspendedAt FROM users WHERE id = ?',
    /** Parameters: at, token hash, conn. */
    releaseToken: 'UPDATE tokens SET live_conn = NULL, last_used_at = ? WHERE token_hash = ? AND live_conn = ?',
    releaseNode: 'UPDATE tokens SET live_conn = NULL WHERE node = ? AND live_conn IS NOT NULL',
    tokensOf: `
      SELECT token_hash AS tokenHash, created_at AS createdAt, expires_at AS expiresAt,
        COALESCE(last_used_at, created_at) AS lastUsedAt, client, address, node, live_conn AS liveConn
      FROM tokens WHERE user_id = ? AND expires_at > ? ORDER BY created_at, token_hash`,
    /** Parameters: user, the token to keep ('' keeps none). */
    revokeTokens: 'DELETE FROM tokens WHERE user_id = ? AND token_hash <> ?',
    setPassword: 'UPDATE users SET password_hash = ? WHERE id = ?',
    setSuspended: 'UPDATE users SET suspended_at = ? WHERE id = ?',
    userKey: 'SELECT name_key AS nameKey FROM users WHERE id = ?',
    /** Parameters: user, user. */
    deleteRequestsOf: 'DELETE FROM friend_requests WHERE from_id = ? OR to_id = ?',
    /** Parameters: user, user. A deleted account neither blocks nor is blocked. */
    deleteBlocksOf: 'DELETE FROM blocks WHERE blocker_id = ? OR blocked_id = ?',
    /** Parameters: user, user. */
    deleteFriendshipsOf: 'DELETE FROM friendships WHERE user_id = ? OR friend_id = ?',
    deleteTokensOf: 'DELETE FROM tokens WHERE user_id = ?',
    /** Parameters: name key, until. */
    reserveName: `INSERT INTO reserved_names (name_key, until) VALUES (?, ?)${d.overwrite('name_key', ['until'])}`,
    /** Parameters: the tombstone key, at, user. */
    tombstone: "UPDATE users SET name = '', name_key = ?, password_hash = '', suspended_at = NULL, deleted_at = ? WHERE id = ?",
    nameReserved: 'SELECT 1 AS one FROM reserved_names WHERE name_key = ? AND until > ?',
    accounts: `
      SELECT id, name, created_at AS createdAt, last_login_at AS lastLoginAt,
        CASE WHEN suspended_at IS NULL THEN 0 ELSE 1 END AS suspended
      FROM users WHERE deleted_at IS NULL ORDER BY id`,
    allGroups: `
      SELECT g.name, g.description AS \`desc\`, COALESCE(u.name, '') AS creator, g.created_at AS createdAt,
        (SELECT COUNT(*) FROM members m WHERE m.conversation_id = g.conversation_id) AS members
      FROM chat_groups g LEFT JOIN users u ON u.id = g.creator_id ORDER BY g.name_key`,
    insertAdminAction: `INSERT INTO admin_actions (at, actor, action, target_id, target, detail) VALUES (?, ?, ?, ?, ?, ?)${d.returningId}`,
    lastAdminActionId: 'SELECT COALESCE(MAX(id), 0) AS id FROM admin_actions',
    adminActionsAfter: `
      SELECT id, at, actor, action, target_id AS targetId, target, detail
      FROM admin_actions WHERE id > ? ORDER BY id LIMIT ?`,
  } as const;
}

/** A deleted account's name_key: a control character no name may contain, so it can never collide. */
export const deletedKey = (userId: number): string => `\u001fdeleted:${userId}`;

export const adminActionParams = (a: AdminAction): (string | number | null)[] =>
  [a.at, a.actor, a.action, a.targetId, a.target, JSON.stringify(a.detail)];

type Flag = number | string | boolean;
type Num = number | string;
type Text = string | Buffer;

export interface CredentialsRecord extends Omit<Credentials, 'suspended'> {
  suspended: Flag;
}

export const toCredentials = (r: CredentialsRecord): Credentials =>
  ({ id: Number(r.id), name: r.name, passwordHash: r.passwordHash, suspended: Number(r.suspended) === 1 });

export interface TokenRecordRow {
  tokenHash: Text;
  createdAt: Num;
  expiresAt: Num;
  lastUsedAt: Num;
  client: string | null;
  address: string | null;
  node: string | null;
  liveConn: string | null;
}

export const toTokenRecord = (r: TokenRecordRow): TokenRecord => ({
  tokenHash: r.tokenHash.toString(), createdAt: Number(r.createdAt), expiresAt: Number(r.expiresAt), lastUsedAt: Number(r.lastUsedAt),
  client: r.client, address: r.address, node: r.node, liveConn: r.liveConn,
});

export interface AdminActionRecord {
  id: Num;
  at: Num;
  actor: string;
  action: string;
  targetId: Num | null;
  target: string;
  detail: string;
}

export function toAdminAction(r: AdminActionRecord): AdminActionRow {
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(r.detail) as Record<string, unknown>;
  } catch {}
  return {
    id: Number(r.id), at: Number(r.at), actor: r.actor, action: r.action as AdminActionRow['action'],
    targetId: r.targetId === null ? null : Number(r.targetId), target: r.target, detail,
  };
}
