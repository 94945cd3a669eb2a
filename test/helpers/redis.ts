// Redis for tests: PRIVATE redis-server processes (Debian's) on free loopback ports, with
// temporary directories, killed when the test process exits. The shared Redis on 6379 is never
// used by these helpers, so a test may restart or kill what it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingService } from './assert.ts';
import { freePort } from './ports.ts';


/** A free port P such that P+10000 is free too (a Redis Cluster node also listens on its bus port). */
async function freeClusterPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p + 10000 <= 65535 && (await isFree(p + 10000))) return p;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export function haveRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * Whether a private redis-server can be started. Missing under CI=true is an error, so CI
 * cannot pass without these tests; elsewhere it is said loudly and the file's tests are skipped.
 */
export function requireRedisServer(file: string): boolean {
  if (haveRedisServer()) return true;
  return missingService(file, 'redis-server is not installed', 'apt-get install redis-server');
}

export interface PrivateRedis {
  port: number;
  url: string;
  running(): boolean;
  /** SIGKILL */
  kill(): Promise<void>;
  /** starts again on the same port */
  start(): Promise<void>;
  /** one command through redis-cli; the reply as text */
  cli(...args: string[]): string;
  destroy(): Promise<void>;
}

const live = new Set<{ proc: ChildProcess | null; dir: string }>();
process.on('exit', () => {
  for (const s of live) {
    if (s.proc && s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
});

export async function startPrivateRedis(options: { port?: number; extra?: string[] } = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-redis-'));
  const state: { proc: ChildProcess | null; dir: string } = { proc: null, dir };
  live.add(state);
  const port = options.port ?? (await freePort());
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => state.proc !== null && state.proc.exitCode === null && state.proc.signalCode === null,
    async start() {
      state.proc = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--protected-mode', 'no', ...(options.extra ?? []),
      ], { stdio: 'ignore' });
      await waitUntil(() => ping(port), 10_000, `redis-server on ${port}`);
    },
    async kill() {
      await stopProc(state.proc, 'SIGKILL');
    },
    cli: (...args) => {
      const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 });
      return r.stdout.trim();
    },
    async destroy() {
      await stopProc(state.proc, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      live.delete(state);
    },
  };
  await redis.start();
  return redis;
}

export interface PrivateRedisCluster {
  nodes: PrivateRedis[];
  /** redis+cluster://127.0.0.1:P1,127.0.0.1:P2,… */
  url: string;
  destroy(): Promise<void>;
}

/** Three masters, no replicas: `redis-cli --cluster create … --cluster-yes`, then waits for `cluster_state:ok`. */
export async function startPrivateRedisCluster(masters = 3): Promise<PrivateRedisCluster> {
  const nodes: PrivateRedis[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort();
      nodes.push(await startPrivateRedis({ port, extra: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'] }));
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8', timeout: 60_000,
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}\n${create.stderr}`);
    for (const n of nodes) await waitUntil(async () => n.cli('cluster', 'info').includes('cluster_state:ok'), 20_000, `cluster_state:ok on ${n.port}`);
  } catch (err) {
    for (const n of nodes) await n.destroy();
    throw err;
  }
  return {
    nodes,
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    destroy: async () => {
      for (const n of nodes) await n.destroy();
    },
  };
}

/** A raw PING over a socket: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 1000);
    s.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      clearTimeout(timer);
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

async function stopProc(proc: ChildProcess | null, sig: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(sig);
  await exited;
}

export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `cmdstat_<name>:calls=N` from INFO commandstats, summed over the given servers. */
export function commandCalls(servers: PrivateRedis[], name: string): number {
  let n = 0;
  for (const s of servers) {
    const m = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(s.cli('info', 'commandstats'));
    if (m) n += Number(m[1]);
  }
  return n;
}
