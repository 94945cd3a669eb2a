// Creates the database if missing and applies sql/mysql/NNN_*.sql not recorded in schema_version.
// Runs at `chat serve` start and as `chat db migrate`. Two nodes starting at once are
// serialized by a named lock (GET_LOCK), so each migration runs once.
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { ChatError } from '../protocol/errors.ts';
import { isConnectionError } from './mysql-errors.ts';
import { indexAllMessages } from './mysql-search.ts';
import type { MysqlTarget } from './mysql-url.ts';
import { SCHEMA_VERSION, listMigrations } from './shared-sql.ts';

const SQL_DIR = new URL('../../sql/mysql/', import.meta.url);

/** The MySQL migrations, in order. */
export function migrationFiles(): { version: number; name: string }[] {
  return listMigrations(SQL_DIR);
}
const LOCK_WAIT_S = 60;

/**
 * What a migration needs beyond its SQL, run right after its file and before it is recorded, so
 * an interrupted step runs again. Keyed by the name after the number, which a renumbering keeps.
 */
const CODE_STEPS: Record<string, (conn: mysql.Connection) => Promise<void>> = {
  // 006's own step (a row per token of each message) is gone: 011 indexes every message by blocks.
  search_blocks: indexAllMessages,
};

/** The code step that runs after a migration file, if it has one (tests build old databases with it too). */
export const stepOf = (file: string) => CODE_STEPS[file.replace(/^\d+_/, '').replace(/\.sql$/, '')];

export interface MigrationResult {
  version: number;
  applied: string[];
}


export async function migrate(target: MysqlTarget): Promise<MigrationResult> {
  let conn: mysql.Connection;
  try {
    // No database yet: it may not exist. multipleStatements only on this private connection,
    // so a migration file runs as written; the pool's connections never allow it.
    conn = await mysql.createConnection({
      host: target.host, port: target.port, user: target.user, password: target.password,
      charset: 'utf8mb4_bin', multipleStatements: true, connectTimeout: 10_000,
    });
  } catch (err) {
    throw unreachable(target, err);
  }
  conn.on('error', () => {}); // reported by the failing query instead
  try {
    // The name is restricted to [A-Za-z0-9_] by parseMysqlUrl, so it is safe to splice.
    const db = `\`${target.database}\``;
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query(`USE ${db}`);
    const lock = `chat_migrate:${target.database}`.slice(0, 64);
    const [[got]] = (await conn.query('SELECT GET_LOCK(?, ?) AS got', [lock, LOCK_WAIT_S])) as unknown as [{ got: number | null }[]];
    if (got?.got !== 1) throw new ChatError('CHAT_ERR_DB_BUSY', `another process held the migration lock for ${LOCK_WAIT_S} s`);
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS schema_version (
        version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
      const current = async () => {
        const [[row]] = (await conn.query(SCHEMA_VERSION.current)) as unknown as [{ v: number | null }[]];
        return row?.v ?? 0;
      };
      const applied: string[] = [];
      for (const f of migrationFiles()) {
        const [done] = (await conn.query(SCHEMA_VERSION.applied, [f.version])) as unknown as [unknown[]];
        if (done.length > 0) continue;
        await conn.query(readFileSync(new URL(f.name, SQL_DIR), 'utf8'));
        await stepOf(f.name)?.(conn);
        await conn.query(SCHEMA_VERSION.record, [f.version, f.name, Date.now()]);
        applied.push(f.name);
      }
      return { version: await current(), applied };
    } finally {
      await conn.query('DO RELEASE_LOCK(?)', [lock]).catch(() => {});
    }
  } catch (err) {
    if (isConnectionError(err)) throw unreachable(target, err);
    throw err;
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

function unreachable(target: MysqlTarget, err: unknown): ChatError {
  const why = (err as { code?: string; message?: string })?.code ?? (err as Error)?.message ?? String(err);
  return new ChatError('CHAT_ERR_DB_UNAVAILABLE', `cannot reach MySQL at ${target.host}:${target.port} (${why})`);
}
