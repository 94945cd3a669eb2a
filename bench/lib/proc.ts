// What the runner reads about a process it started: CPU from /proc/<pid>/stat (utime + stime),
// RSS from /proc/<pid>/status. Linux only, like the rest of the bench.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux Node supports

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may contain spaces, start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** Read and write system calls the process has made so far (/proc/<pid>/io: socket reads and writes included). */
export function syscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { reads: Number(/^syscr:\s+(\d+)/m.exec(io)?.[1] ?? 0), writes: Number(/^syscw:\s+(\d+)/m.exec(io)?.[1] ?? 0) };
}

/** Resident set size in KiB. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

export function machineInfo(): { cpu: string; cores: number; node: string; platform: string } {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, node: process.version, platform: `${process.platform} ${process.arch}` };
}

/**
 * The pid of the server process (one of `binaries`, as `pidof` names them) listening on `port`
 * on this host: the candidate that holds the listening socket (/proc/net/tcp*; a test suite may
 * be running a private instance beside the shared one). If no candidate's sockets can be read
 * (another user's process) and there is exactly one, that one. Undefined otherwise (e.g. a
 * remote server).
 */
export function listeningPid(binaries: string[], host: string, port: number): number | undefined {
  if (!/^(127\.|localhost$|::1$|\[::1\]$)/.test(host)) return undefined; // another host's process is not ours to read
  let pids: number[] = [];
  for (const bin of binaries) {
    try {
      pids.push(...execFileSync('pidof', [bin], { encoding: 'utf8' }).trim().split(/\s+/).map(Number).filter((n) => n > 0));
    } catch {} // pidof exits 1 when there is none
  }
  pids = [...new Set(pids)];
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket's inode
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(`socket:[${f[9]}]`);
    }
  }
  let readable = false;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    readable = true;
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
      } catch {}
    }
  }
  return !readable && pids.length === 1 ? pids[0] : undefined;
}
