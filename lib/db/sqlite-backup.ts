// `chat db backup` and `chat db restore` for the embedded store. The backup is SQLite's online
// backup (better-sqlite3's db.backup): a consistent copy of one moment of the database, taken
// page by page while the server keeps writing, so it holds every transaction committed before
// it finished copying and none in part. MySQL has its own tools (docs/operations.md).
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { ChatError } from '../protocol/errors.ts';

export interface BackupResult {
  file: string;
  /** schema_version of the copy */
  version: number;
  pages: number;
}

function sqlitePath(url: string, command: string): string {
  if (url.startsWith('mysql://')) {
    throw new ChatError('CHAT_ERR_CONFIG', `config db: ${command} copies SQLite files; back up MySQL with mariadb-dump --single-transaction (docs/operations.md)`);
  }
  if (!url.startsWith('sqlite:') || url === 'sqlite:' || url === 'sqlite::memory:') {
    throw new ChatError('CHAT_ERR_CONFIG', `config db: ${command} needs --db sqlite:PATH, got ${JSON.stringify(url)}`);
  }
  return url.slice('sqlite:'.length);
}

/** The file's schema version, after SQLite's own integrity check; CHAT_ERR_BAD_BACKUP if it is no chat database. */
function checkedVersion(db: Database.Database, what: string): number {
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new ChatError('CHAT_ERR_BAD_BACKUP', `${what} fails SQLite's integrity check: ${String(check)}`);
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
    const version = table ? (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v : null;
    if (!version) throw new ChatError('CHAT_ERR_BAD_BACKUP', `${what} is an SQLite file but no chat database (no schema_version)`);
    return version;
  } catch (err) {
    if (err instanceof ChatError) throw err;
    throw new ChatError('CHAT_ERR_BAD_BACKUP', `${what} is not a readable SQLite database: ${(err as Error).message}`);
  }
}

/** Copies the live database at --db to `file`, which must not exist yet. */
export async function backupSqlite(url: string, file: string): Promise<BackupResult> {
  const path = sqlitePath(url, 'db backup');
  if (existsSync(file)) throw new ChatError('CHAT_ERR_CONFIG', `config file: ${file} exists; a backup never overwrites, so name a new file`);
  if (!existsSync(path)) throw new ChatError('CHAT_ERR_DB_UNAVAILABLE', `no database at ${path}`);
  // Read-only: the backup takes no write lock, so the server's group commits go on meanwhile.
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // After the first step, everything left in one step: SQLite restarts a stepwise backup
    // whenever another connection writes, so under steady sends small steps might never finish.
    const { totalPages } = await db.backup(file, { progress: ({ totalPages: all }) => all });
    const copy = new Database(file, { readonly: true });
    try {
      return { file, version: checkedVersion(copy, 'the new backup'), pages: totalPages };
    } finally {
      copy.close();
    }
  } catch (err) {
    rmSync(file, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

/**
 * Puts a backup in place of the database at --db. The server must be stopped: a running one
 * would keep writing to the file it has open. The backup is checked first, copied beside the
 * target and renamed over it, and the target's old WAL and shared-memory files are removed, so a
 * failed restore leaves the old database as it was and a finished one has nothing stale beside it.
 */
export async function restoreSqlite(url: string, file: string, force: boolean): Promise<BackupResult> {
  const path = sqlitePath(url, 'db restore');
  if (!existsSync(file)) throw new ChatError('CHAT_ERR_CONFIG', `config file: no backup at ${file}`);
  if (existsSync(path) && !force) {
    throw new ChatError('CHAT_ERR_CONFIG', `config db: ${path} exists; stop every server on it, then restore with --force to replace it`);
  }
  const backup = new Database(file, { readonly: true, fileMustExist: true });
  const staging = `${path}.restoring`;
  try {
    const version = checkedVersion(backup, file);
    rmSync(staging, { force: true });
    const { totalPages } = await backup.backup(staging);
    for (const stale of [`${path}-wal`, `${path}-shm`]) rmSync(stale, { force: true });
    renameSync(staging, path);
    return { file: path, version, pages: totalPages };
  } catch (err) {
    rmSync(staging, { force: true });
    throw err;
  } finally {
    backup.close();
  }
}
