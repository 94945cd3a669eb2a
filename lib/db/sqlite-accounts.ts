// SqliteStore's AccountStore: statements prepared once; writes that go with an audit row run in
// one immediate transaction.
import type Database from 'better-sqlite3';
import { ChatError } from '../protocol/errors.ts';
import {
  accountSqlFor, adminActionParams, deletedKey, toAdminAction, toCredentials, toTokenRecord,
  type AdminActionRecord, type CredentialsRecord, type TokenRecordRow,
} from './account-sql.ts';
import { SQLITE, sqlFor } from './shared-sql.ts';
import { isUniqueViolation } from './sqlite-statements.ts';
import type {
  AccountRecord, AccountStore, AdminAction, AdminActionRow, Credentials, GroupListing, LeftGroup, SessionStart, TokenRecord, UserRow,
} from './store.ts';

type Db = Database.Database;
const SQL = accountSqlFor(SQLITE);

export class SqliteAccounts implements AccountStore {
  private readonly q;
  private readonly tx;

  constructor(
    db: Db,
    private readonly call: <T>(fn: () => T) => Promise<T>,
    /** drops the store's user and friendship caches */
    private readonly forget: () => void,
    /** leaves every group of the user, as Store.leaveGroup does, inside the caller's transaction */
    leaveAll: (userId: number) => LeftGroup[],
  ) {
    const p = db.prepare.bind(db);
    const q = {
      credentialsByKey: p<[string], CredentialsRecord>(SQL.credentialsByKey),
      credentialsById: p<[number], CredentialsRecord>(SQL.credentialsById),
      holdToken: p<[string | null, string, string, string, number, string]>(SQL.holdToken),
      loggedIn: p<[number, number]>(SQL.loggedIn),
      suspendedAt: p<[number], { suspendedAt: number | null }>(SQL.suspendedAt),
      releaseToken: p<[number, string, string]>(SQL.releaseToken),
      releaseNode: p<[string]>(SQL.releaseNode),
      tokensOf: p<[number, number], TokenRecordRow>(SQL.tokensOf),
      revokeTokens: p<[number, string]>(SQL.revokeTokens),
      setPassword: p<[string, number]>(SQL.setPassword),
      setSuspended: p<[number | null, number]>(SQL.setSuspended),
      accounts: p<[], Omit<AccountRecord, 'suspended'> & { suspended: number }>(SQL.accounts),
      allGroups: p<[], GroupListing>(SQL.allGroups),
      insertAdminAction: p<(string | number | null)[], { id: number }>(SQL.insertAdminAction),
      lastAdminActionId: p<[], { id: number }>(SQL.lastAdminActionId),
      adminActionsAfter: p<[number, number], AdminActionRecord>(SQL.adminActionsAfter),
      insertUser: p<[string, string, string, number], { id: number }>(sqlFor(SQLITE).insertUser),
      userKey: p<[number], { nameKey: string }>(SQL.userKey),
      deleteRequestsOf: p<[number, number]>(SQL.deleteRequestsOf),
      deleteBlocksOf: p<[number, number]>(SQL.deleteBlocksOf),
      deleteFriendshipsOf: p<[number, number]>(SQL.deleteFriendshipsOf),
      deleteTokensOf: p<[number]>(SQL.deleteTokensOf),
      reserveName: p<[string, number]>(SQL.reserveName),
      tombstone: p<[string, number, number]>(SQL.tombstone),
      nameReserved: p<[string, number], { one: number }>(SQL.nameReserved),
      anyDeleted: p<[number, number], number>('SELECT COUNT(*) FROM users WHERE id IN (?, ?) AND deleted_at IS NOT NULL').pluck(),
    };
    this.q = q;
    const audit = (a: AdminAction | undefined) => {
      if (a) q.insertAdminAction.get(...adminActionParams(a));
    };
    const immediate = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const t = db.transaction(fn);
      return (...args: A): R => t.immediate(...args);
    };
    this.tx = {
      sessionStarted: immediate((s: SessionStart): { suspended: boolean } => {
        q.holdToken.run(s.client, s.address, s.node, s.conn, s.at, s.tokenHash);
        q.loggedIn.run(s.at, s.userId);
        return { suspended: (q.suspendedAt.get(s.userId)?.suspendedAt ?? null) !== null };
      }),
      revokeTokens: immediate((userId: number, keep: string | undefined, a: AdminAction | undefined): number => {
        const n = q.revokeTokens.run(userId, keep ?? '').changes;
        audit(a);
        return n;
      }),
      setPassword: immediate((userId: number, hash: string, revoke: { keep?: string | undefined } | null, a: AdminAction | undefined): number => {
        q.setPassword.run(hash, userId);
        const n = revoke ? q.revokeTokens.run(userId, revoke.keep ?? '').changes : 0;
        audit(a);
        return n;
      }),
      setSuspended: immediate((userId: number, suspended: boolean, a: AdminAction): void => {
        q.setSuspended.run(suspended ? a.at : null, userId);
        if (suspended) q.revokeTokens.run(userId, '');
        audit(a);
      }),
      deleteUser: immediate((userId: number, reserveUntil: number, a: AdminAction): LeftGroup[] => {
        const row = q.userKey.get(userId);
        if (!row) return [];
        const left = leaveAll(userId);
        q.deleteTokensOf.run(userId);
        q.deleteRequestsOf.run(userId, userId);
        q.deleteBlocksOf.run(userId, userId);
        q.deleteFriendshipsOf.run(userId, userId);
        if (row.nameKey !== deletedKey(userId)) q.reserveName.run(row.nameKey, reserveUntil);
        q.tombstone.run(deletedKey(userId), a.at, userId);
        audit(a);
        return left;
      }),
      addUser: immediate((name: string, key: string, hash: string, a: Omit<AdminAction, 'targetId'>): UserRow => {
        let id: number;
        try {
          id = q.insertUser.get(name, key, hash, a.at)!.id;
        } catch (err) {
          throw isUniqueViolation(err) ? new ChatError('CHAT_ERR_NAME_TAKEN') : err;
        }
        audit({ ...a, targetId: id });
        return { id, name, passwordHash: hash };
      }),
    };
  }

  /** A friend decision on a deleted account is refused, as MysqlStore's lockFriendState does (its callers' caches may be stale). */
  refuseDeleted(a: number, b: number): void {
    if (this.q.anyDeleted.get(a, b)! > 0) throw new ChatError('CHAT_ERR_NO_SUCH_USER');
  }

  credentialsByKey(key: string): Promise<Credentials | null> {
    return this.call(() => {
      const r = this.q.credentialsByKey.get(key);
      return r ? toCredentials(r) : null;
    });
  }

  credentialsById(userId: number): Promise<Credentials | null> {
    return this.call(() => {
      const r = this.q.credentialsById.get(userId);
      return r ? toCredentials(r) : null;
    });
  }

  sessionStarted(session: SessionStart): Promise<{ suspended: boolean }> {
    return this.call(() => this.tx.sessionStarted(session));
  }

  sessionEnded(tokenHash: string, conn: string, at: number): Promise<void> {
    return this.call(() => void this.q.releaseToken.run(at, tokenHash, conn));
  }

  releaseNode(node: string): Promise<void> {
    return this.call(() => void this.q.releaseNode.run(node));
  }

  tokensOf(userId: number, now: number): Promise<TokenRecord[]> {
    return this.call(() => this.q.tokensOf.all(userId, now).map(toTokenRecord));
  }

  revokeTokens(userId: number, keep?: string, audit?: AdminAction): Promise<number> {
    return this.call(() => this.tx.revokeTokens(userId, keep, audit));
  }

  setPassword(userId: number, passwordHash: string, revoke: { keep?: string | undefined } | null, audit?: AdminAction): Promise<number> {
    return this.call(() => this.tx.setPassword(userId, passwordHash, revoke, audit));
  }

  setSuspended(userId: number, suspended: boolean, audit: AdminAction): Promise<void> {
    return this.call(() => this.tx.setSuspended(userId, suspended, audit));
  }

  addUser(name: string, key: string, passwordHash: string, audit: Omit<AdminAction, 'targetId'>): Promise<UserRow> {
    return this.call(() => this.tx.addUser(name, key, passwordHash, audit));
  }

  deleteUser(userId: number, reserveUntil: number, audit: AdminAction): Promise<LeftGroup[]> {
    return this.call(() => {
      try {
        return this.tx.deleteUser(userId, reserveUntil, audit);
      } finally {
        this.forget(); // the member lists too, whichever way it went
      }
    });
  }

  nameReserved(key: string, now: number): Promise<boolean> {
    return this.call(() => this.q.nameReserved.get(key, now) !== undefined);
  }

  accounts(): Promise<AccountRecord[]> {
    return this.call(() => this.q.accounts.all().map((r) => ({ ...r, suspended: r.suspended === 1 })));
  }

  allGroups(): Promise<GroupListing[]> {
    return this.call(() => this.q.allGroups.all());
  }

  recordAction(action: AdminAction): Promise<void> {
    return this.call(() => void this.q.insertAdminAction.get(...adminActionParams(action)));
  }

  lastAdminActionId(): Promise<number> {
    return this.call(() => this.q.lastAdminActionId.get()!.id);
  }

  adminActionsAfter(id: number, limit: number): Promise<AdminActionRow[]> {
    return this.call(() => this.q.adminActionsAfter.all(id, limit).map(toAdminAction));
  }
}
