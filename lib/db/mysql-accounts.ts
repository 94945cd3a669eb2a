// MysqlStore's AccountStore. Writes that go with an audit row are one transaction; the rest are
// single idempotent statements, which the pool may re-run after a lost connection.
import type { ResultSetHeader } from 'mysql2';
import { ChatError } from '../protocol/errors.ts';
import {
  accountSqlFor, adminActionParams, deletedKey, toAdminAction, toCredentials, toTokenRecord,
  type AdminActionRecord, type CredentialsRecord, type TokenRecordRow,
} from './account-sql.ts';
import { isDuplicateKey } from './mysql-errors.ts';
import type { Connection, MysqlPool } from './mysql-pool.ts';
import { MYSQL, sqlFor } from './shared-sql.ts';
import type {
  AccountRecord, AccountStore, AdminAction, AdminActionRow, Credentials, GroupListing, LeftGroup, SessionStart, TokenRecord, UserRow,
} from './store.ts';

type Param = string | number | null;
const SQL = accountSqlFor(MYSQL);
const INSERT_USER = sqlFor(MYSQL).insertUser;

async function all<T>(conn: Connection, sql: string, params: Param[] = []): Promise<T[]> {
  const [rows] = await conn.execute(sql, params);
  return rows as T[];
}

async function run(conn: Connection, sql: string, params: Param[] = []): Promise<ResultSetHeader> {
  const [header] = await conn.execute(sql, params);
  return header as ResultSetHeader;
}

async function audit(conn: Connection, a: AdminAction | undefined): Promise<void> {
  if (a) await run(conn, SQL.insertAdminAction, adminActionParams(a));
}

export class MysqlAccounts implements AccountStore {
  constructor(
    private readonly pool: MysqlPool,
    /** drops the store's user cache */
    private readonly forget: () => void,
    /** leaves every group of the user, as Store.leaveGroup does, inside the caller's transaction */
    private readonly leaveAll: (conn: Connection, userId: number) => Promise<LeftGroup[]>,
  ) {}

  async credentialsByKey(key: string): Promise<Credentials | null> {
    const [r] = await this.pool.run('read', (conn) => all<CredentialsRecord>(conn, SQL.credentialsByKey, [key]));
    return r ? toCredentials(r) : null;
  }

  async credentialsById(userId: number): Promise<Credentials | null> {
    const [r] = await this.pool.run('read', (conn) => all<CredentialsRecord>(conn, SQL.credentialsById, [userId]));
    return r ? toCredentials(r) : null;
  }

  sessionStarted(s: SessionStart): Promise<{ suspended: boolean }> {
    // Both writes are idempotent, and the read comes after them on the same connection: a
    // suspension committed before the read is seen (READ COMMITTED).
    return this.pool.run('idempotent', async (conn) => {
      await run(conn, SQL.holdToken, [s.client, s.address, s.node, s.conn, s.at, s.tokenHash]);
      await run(conn, SQL.loggedIn, [s.at, s.userId]);
      const [row] = await all<{ suspendedAt: number | string | null }>(conn, SQL.suspendedAt, [s.userId]);
      return { suspended: (row?.suspendedAt ?? null) !== null };
    });
  }

  async sessionEnded(tokenHash: string, conn: string, at: number): Promise<void> {
    await this.pool.run('idempotent', (c) => run(c, SQL.releaseToken, [at, tokenHash, conn]));
  }

  async releaseNode(node: string): Promise<void> {
    await this.pool.run('idempotent', (c) => run(c, SQL.releaseNode, [node]));
  }

  async tokensOf(userId: number, now: number): Promise<TokenRecord[]> {
    const rows = await this.pool.run('read', (conn) => all<TokenRecordRow>(conn, SQL.tokensOf, [userId, now]));
    return rows.map(toTokenRecord);
  }

  revokeTokens(userId: number, keep?: string, a?: AdminAction): Promise<number> {
    return this.pool.transaction('write', async (conn) => {
      const { affectedRows } = await run(conn, SQL.revokeTokens, [userId, keep ?? '']);
      await audit(conn, a);
      return affectedRows;
    });
  }

  setPassword(userId: number, passwordHash: string, revoke: { keep?: string | undefined } | null, a?: AdminAction): Promise<number> {
    return this.pool.transaction('write', async (conn) => {
      await run(conn, SQL.setPassword, [passwordHash, userId]);
      const n = revoke ? (await run(conn, SQL.revokeTokens, [userId, revoke.keep ?? ''])).affectedRows : 0;
      await audit(conn, a);
      return n;
    });
  }

  setSuspended(userId: number, suspended: boolean, a: AdminAction): Promise<void> {
    return this.pool.transaction('write', async (conn) => {
      await run(conn, SQL.setSuspended, [suspended ? a.at : null, userId]);
      if (suspended) await run(conn, SQL.revokeTokens, [userId, '']);
      await audit(conn, a);
    });
  }

  addUser(name: string, key: string, passwordHash: string, a: Omit<AdminAction, 'targetId'>): Promise<UserRow> {
    return this.pool.transaction('write', async (conn) => {
      let id: number;
      try {
        id = (await run(conn, INSERT_USER, [name, key, passwordHash, a.at])).insertId;
      } catch (err) {
        throw isDuplicateKey(err) ? new ChatError('CHAT_ERR_NAME_TAKEN') : err;
      }
      await audit(conn, { ...a, targetId: id });
      return { id, name, passwordHash };
    });
  }

  async deleteUser(userId: number, reserveUntil: number, a: AdminAction): Promise<LeftGroup[]> {
    try {
      return await this.pool.transaction('write', async (conn) => {
        // Locked first: a friend decision on this user (mysql-store.ts lockFriendState) waits for the deletion.
        const [row] = await all<{ nameKey: Buffer | string }>(conn, `${SQL.userKey} FOR UPDATE`, [userId]);
        if (!row) return [];
        const left = await this.leaveAll(conn, userId);
        const key = row.nameKey.toString();
        await run(conn, SQL.deleteTokensOf, [userId]);
        await run(conn, SQL.deleteRequestsOf, [userId, userId]);
        await run(conn, SQL.deleteBlocksOf, [userId, userId]);
        await run(conn, SQL.deleteFriendshipsOf, [userId, userId]);
        if (key !== deletedKey(userId)) await run(conn, SQL.reserveName, [key, reserveUntil]);
        await run(conn, SQL.tombstone, [deletedKey(userId), a.at, userId]);
        await audit(conn, a);
        return left;
      });
    } finally {
      this.forget();
    }
  }

  async nameReserved(key: string, now: number): Promise<boolean> {
    const rows = await this.pool.run('read', (conn) => all(conn, SQL.nameReserved, [key, now]));
    return rows.length > 0;
  }

  async accounts(): Promise<AccountRecord[]> {
    type Row = { id: number; name: string; createdAt: number | string; lastLoginAt: number | string | null; suspended: number | string };
    const rows = await this.pool.run('read', (conn) => all<Row>(conn, SQL.accounts));
    return rows.map((r) => ({
      id: Number(r.id), name: r.name, createdAt: Number(r.createdAt),
      lastLoginAt: r.lastLoginAt === null ? null : Number(r.lastLoginAt), suspended: Number(r.suspended) === 1,
    }));
  }

  async allGroups(): Promise<GroupListing[]> {
    type Row = Omit<GroupListing, 'members' | 'createdAt'> & { members: number | string; createdAt: number | string };
    const rows = await this.pool.run('read', (conn) => all<Row>(conn, SQL.allGroups));
    return rows.map((r) => ({ ...r, members: Number(r.members), createdAt: Number(r.createdAt) }));
  }

  recordAction(action: AdminAction): Promise<void> {
    return this.pool.run('write', (conn) => audit(conn, action));
  }

  async lastAdminActionId(): Promise<number> {
    const [row] = await this.pool.run('read', (conn) => all<{ id: number | string }>(conn, SQL.lastAdminActionId));
    return Number(row?.id ?? 0);
  }

  async adminActionsAfter(id: number, limit: number): Promise<AdminActionRow[]> {
    // LIMIT is bound as a string, which MySQL 8.0.22+ requires (docs/mysql.md).
    const rows = await this.pool.run('read', (conn) => all<AdminActionRecord>(conn, SQL.adminActionsAfter, [id, String(limit)]));
    return rows.map(toAdminAction);
  }
}
