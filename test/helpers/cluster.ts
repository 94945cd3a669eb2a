// A real local cluster for tests: `chat cluster up` (N nodes + nginx) on free loopback ports,
// against a scratch MySQL database and a Redis the test names. Everything is stopped at the end,
// and SIGKILLed if the test process exits without stopping it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ChatClient } from '../../lib/client/client.ts';
import { readState, STREAM_MODULES, type ClusterState, type NodeRecord } from '../../lib/cli/cluster.ts';
import { jsonLines, runCli, tempDir } from './server.ts';
import { missingService } from './assert.ts';

export function haveNginx(): boolean {
  const ok = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).status === 0;
  return ok && STREAM_MODULES.some((p) => existsSync(p));
}

/** Like requireMariadb: missing nginx fails under CI=true, and is skipped loudly elsewhere. */
export function requireNginx(file: string): boolean {
  if (haveNginx()) return true;
  return missingService(file, 'nginx with the stream module is not installed', 'apt-get install nginx libnginx-mod-stream');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port B with B, B+2, … (room for `slots` nodes) and a load-balancer port all free. */
async function freePorts(slots: number): Promise<{ base: number; lb: number }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 10000);
    const lb = base + 2 * slots + 1;
    const ports = [...Array.from({ length: slots }, (_, i) => base + 2 * i), lb];
    if (lb > 65535) continue;
    let ok = true;
    for (const p of ports) if (!(await isFree(p))) ok = false;
    if (ok) return { base, lb };
  }
  throw new Error('no free port range for a cluster');
}

export interface TestCluster {
  host: string;
  /** nginx */
  port: number;
  address: string;
  stateDir: string;
  state(): ClusterState;
  node(id: string): NodeRecord;
  /** kill -9 one node */
  kill9(id: string): void;
  /** `chat cluster add`: one more node, nginx reloaded */
  add(): Promise<NodeRecord>;
  down(): Promise<void>;
}

// What each running cluster started, kept in memory: the state dir is a temp dir that
// helpers/server.ts may remove first on exit. (Nodes and nginx run in their own process groups,
// so only this, or `down`, stops them.)
const running = new Map<string, { pids: number[]; nginxPid: string }>();
function remember(dir: string): void {
  const state = readState(dir);
  if (state) running.set(dir, { pids: state.nodes.map((n) => n.pid), nginxPid: readFileSafe(state.nginxPid) });
}
function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
process.on('exit', () => {
  for (const { pids, nginxPid } of running.values()) {
    for (const pid of [...pids, Number(nginxPid)]) if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch {}
  }
});

/** `dbViaEnv` hands the store URL to `chat cluster up` as CHAT_DB, as the docs tell operators to. */
export async function startCluster(options: { nodes: number; db: string; redis: string; presenceTtlMs?: number; spare?: number; dbViaEnv?: boolean }): Promise<TestCluster> {
  const { dir } = tempDir('chat-cluster-');
  const { base, lb } = await freePorts(options.nodes + (options.spare ?? 2));
  const up = await runCli([
    'cluster', 'up', '--json', '--nodes', String(options.nodes), '--base-port', String(base), '--lb-port', String(lb),
    ...(options.dbViaEnv ? [] : ['--db', options.db]), '--redis', options.redis, '--state-dir', dir, '--log-level', 'info',
    ...(options.presenceTtlMs ? ['--presence-ttl-ms', String(options.presenceTtlMs)] : []),
  ], { timeoutMs: 90_000, ...(options.dbViaEnv ? { env: { CHAT_DB: options.db } } : {}) });
  remember(dir);
  if (up.code !== 0) throw new Error(`chat cluster up failed (${up.code}): ${up.stderr}\n${up.stdout}`);
  const summary = jsonLines(up.stdout).find((r) => r.type === 'cluster');
  if (summary?.server !== `127.0.0.1:${lb}`) throw new Error(`unexpected cluster up output: ${up.stdout}`);
  const cluster: TestCluster = {
    host: '127.0.0.1',
    port: lb,
    address: `127.0.0.1:${lb}`,
    stateDir: dir,
    state: () => readState(dir)!,
    node: (id) => {
      const n = cluster.state().nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    kill9: (id) => process.kill(cluster.node(id).pid, 'SIGKILL'),
    add: async () => {
      const r = await runCli(['cluster', 'add', '--json', '--state-dir', dir], { timeoutMs: 90_000 });
      if (r.code !== 0) throw new Error(`chat cluster add failed: ${r.stderr}`);
      remember(dir);
      const rec = jsonLines(r.stdout).find((x) => x.type === 'node');
      return cluster.node(rec.node);
    },
    down: async () => {
      const r = await runCli(['cluster', 'down', '--state-dir', dir], { timeoutMs: 60_000 });
      running.delete(dir);
      if (r.code !== 0) throw new Error(`chat cluster down failed: ${r.stderr}`);
    },
  };
  return cluster;
}

/**
 * Connects through nginx until the connection lands on a node that `accept` likes (bounded).
 * Misses stay open until then: least_conn sends the next connection to a less busy node, so
 * holding them walks the choice across the nodes.
 */
export async function connectVia(cluster: TestCluster, accept: (node: string) => boolean = () => true, tries = 40): Promise<ChatClient> {
  const misses: ChatClient[] = [];
  try {
    for (let i = 0; i < tries; i++) {
      const c = await ChatClient.connect({ host: cluster.host, port: cluster.port });
      if (accept(c.node)) return c;
      misses.push(c);
    }
  } finally {
    for (const c of misses) c.destroy();
  }
  throw new Error('no connection landed on a wanted node');
}
