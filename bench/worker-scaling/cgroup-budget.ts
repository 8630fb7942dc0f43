// The CPU budget of part 2 of bench/worker-scaling.ts: a cgroup v1 cpu cgroup
// of this bench's own, whose CFS quota caps every thread the agent has (and any
// it makes later), with its cpu.stat to show the quota was what bound it.
// Cgroups left by earlier runs that were killed are removed when empty.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PERIOD_US = 100_000;
const CGROUP_CPU = '/sys/fs/cgroup/cpu';

export interface CpuStat {
  periods: number;
  throttled: number;
  throttledS: number;
}
export interface Budget {
  dir: string;
  set(cores: number): void;
  add(pid: number): void;
  stat(): CpuStat;
  remove(): Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const procsOf = (dir: string) =>
  readFileSync(join(dir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);

/** Removes the cgroups of earlier runs of this bench whose process is gone (killed past run-all's limit), when empty. */
function removeStaleCgroups(): void {
  for (const d of readdirSync(CGROUP_CPU)) {
    const m = /^barrage-bench-(\d+)$/.exec(d);
    if (m === null || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      if (procsOf(join(CGROUP_CPU, d)).length === 0) rmdirSync(join(CGROUP_CPU, d));
    } catch {
      /* leave it */
    }
  }
}

/** A cgroup of its own under cgroup v1's cpu controller, or why there cannot be one. */
export function createBudget(): Budget | string {
  if (process.platform !== 'linux') return `cgroups need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'cgroup cpu limits need root';
  if (!existsSync(join(CGROUP_CPU, 'cpu.cfs_quota_us')))
    return `no cgroup v1 cpu controller with CFS quotas at ${CGROUP_CPU} (cpu.cfs_quota_us missing)`;
  const dir = join(CGROUP_CPU, `barrage-bench-${process.pid}`);
  try {
    removeStaleCgroups();
    mkdirSync(dir);
  } catch (e) {
    return `cannot create ${dir}: ${(e as Error).message}`;
  }
  const write = (file: string, v: string) => writeFileSync(join(dir, file), `${v}\n`);
  try {
    write('cpu.cfs_period_us', String(PERIOD_US));
  } catch (e) {
    try {
      rmdirSync(dir);
    } catch {
      /* keep the first error */
    }
    return `cannot set ${dir}/cpu.cfs_period_us: ${(e as Error).message}`;
  }
  return {
    dir,
    set(cores) {
      write('cpu.cfs_quota_us', String(Math.round(cores * PERIOD_US)));
    },
    add(pid) {
      write('cgroup.procs', String(pid)); // the whole thread group, and every thread and child it makes later
      const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
        .split('\n')
        .find((l) => /^\d+:cpu(,[^:]*)?:/.test(l));
      if (!line?.endsWith(`/barrage-bench-${process.pid}`)) throw new Error(`pid ${pid} is not in ${dir}: ${line}`);
    },
    stat() {
      const t = readFileSync(join(dir, 'cpu.stat'), 'utf8');
      const n = (k: string) => Number(new RegExp(`^${k} (\\d+)`, 'm').exec(t)?.[1]);
      return { periods: n('nr_periods'), throttled: n('nr_throttled'), throttledS: n('throttled_time') / 1e9 };
    },
    async remove() {
      // Only processes this bench put here: they have exited or are killed by PID.
      for (let i = 0; i < 500; i++) {
        const left = procsOf(dir);
        if (left.length === 0) break;
        if (i === 100)
          for (const pid of left) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
        await new Promise((r) => setTimeout(r, 10));
      }
      rmdirSync(dir);
    },
  };
}
