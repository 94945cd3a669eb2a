import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatClient } from '../../lib/client/client.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHAT_BIN = join(ROOT, 'bin', 'chat.js');

const tempDirs: string[] = [];

/** A fresh directory under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix = 'chat-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunningServer {
  host: string;
  port: number;
  /** HOST:PORT for --server */
  address: string;
  dbPath: string;
  proc: ChildProcess;
  /** stderr lines (pino JSON) seen so far */
  logs: string[];
  /** SIGTERM (or the given signal) and wait for exit; resolves to the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Restart on the same data file (new port). */
  restart(): Promise<RunningServer>;
}

export interface StartOptions {
  dbPath?: string;
  /** a whole --db URL (e.g. mysql://…) instead of a SQLite file at dbPath */
  db?: string;
  args?: string[];
  env?: Record<string, string>;
  /** listen on this port instead of a free one (to restart a server where its clients expect it) */
  port?: number;
}

/**
 * Starts the real `chat serve` on 127.0.0.1 with --port 0 and reads the chosen port from its
 * `listening` log line, so tests never race for a fixed port.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dbPath = options.dbPath ?? join(tempDir().dir, 'chat.db');
  const proc = spawn(
    process.execPath,
    [CHAT_BIN, 'serve', '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--db', options.db ?? `sqlite:${dbPath}`, ...(options.args ?? [])],
    { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const logs: string[] = [];
  let buffered = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${logs.join('\n')}`)), 20_000);
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'listening') {
            clearTimeout(timer);
            resolve(entry.port);
          }
        } catch {}
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${logs.join('\n')}${buffered}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const server: RunningServer = {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    dbPath,
    proc,
    logs,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    async restart() {
      await server.stop();
      return startServer({ ...options, dbPath });
    },
  };
  liveServers.add(server);
  return server;
}

// Whatever a failing test left running is stopped when the test process exits.
const liveServers = new Set<RunningServer>();
process.on('exit', () => {
  for (const s of liveServers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for a `chat` under test: no CHAT_* defaults and no config file (a developer's
 * own ~/.config/chat/config.toml must not change what a test sees), then `extra`, where an
 * undefined value removes the variable.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, CHAT_SERVER: '', CHAT_USER: '', CHAT_PASSWORD: '', CHAT_CONFIG: '', ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env as Record<string, string>;
}

/** Runs the real `chat` binary. */
export function runCli(args: string[], options: { input?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHAT_BIN, ...args], {
      cwd: ROOT,
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chat ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** JSON lines of a --json command. */
export function jsonLines(stdout: string): any[] {
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

/** Registers (if needed) and logs in through the client library. */
export async function connectAs(server: { host: string; port: number }, user: string, password = `${user}-s3cret-pw`, register = true): Promise<ChatClient> {
  const client = await ChatClient.connect({ host: server.host, port: server.port });
  if (register) await client.request('register', { user, password });
  await client.request('login', { user, password });
  return client;
}

/** Makes two users friends. */
export async function befriend(a: ChatClient, aName: string, b: ChatClient, bName: string): Promise<void> {
  await a.request('friend_add', { user: bName });
  await b.request('friend_accept', { user: aName });
}

/** Waits until `predicate` holds, polling; fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
