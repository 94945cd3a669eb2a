// What the runner reads about a process it started: CPU from /proc/<pid>/stat (utime + stime),
// RSS from /proc/<pid>/status. Linux only, like the rest of the bench.
import { readFileSync } from 'node:fs';
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
