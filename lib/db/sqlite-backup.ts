// `chat db backup`: an online, consistent copy of a SQLite database, taken with SQLite's
// backup API while servers keep writing (docs/operations.md).
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { ChatError } from '../protocol/errors.ts';

/** Every page in one step: one read transaction, so the copy is one moment of the database. */
const ALL_PAGES = 0x7fffffff;

export interface BackupResult {
  file: string;
  bytes: number;
  /** the copy's schema version (its newest migration) */
  version: number;
}

/**
 * Copies the database at `path` to `file`, which must not exist yet. Copied in one step, the
 * backup reads one snapshot: in WAL mode that blocks no writer, and writes that commit during
 * the copy are simply not in it. (Copied in several steps, another process's commit would restart
 * the copy, and under steady writes it might never finish.) The copy is written beside `file` and
 * renamed into place, so `file` is either absent or whole.
 */
export async function backupSqlite(path: string, file: string): Promise<BackupResult> {
  if (!existsSync(path)) throw new ChatError('CHAT_ERR_DB_UNAVAILABLE', `no database at ${path}`);
  if (existsSync(file)) throw new ChatError('CHAT_ERR_CONFIG', `${file} exists; back up to a new file`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new ChatError('CHAT_ERR_DB_UNAVAILABLE', `cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  const copy = new Database(partial, { readonly: true });
  let version: number;
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy failed its check: ${String(check)}`);
    version = (copy.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  } finally {
    copy.close();
  }
  renameSync(partial, file);
  return { file, bytes: statSync(file).size, version };
}
