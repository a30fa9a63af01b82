// Relay CPU time and memory, read from /proc of the relay process.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

let clkTck;
/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicks() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** User + system CPU seconds of the whole process (all threads), from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name (which may hold spaces) start at field 3 (state)
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/** VmRSS and VmHWM (peak RSS) in KiB, from /proc/<pid>/status. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+) kB/.exec(status);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return { rssKiB: rss ? Number(rss[1]) : NaN, hwmKiB: hwm ? Number(hwm[1]) : NaN };
}

/** Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`); false where not allowed. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every `intervalMs`; `stop()` returns the highest value seen, in KiB. */
export function sampleRss(pid, intervalMs = 20) {
  let max = 0;
  const take = () => {
    try {
      const { rssKiB } = memory(pid);
      if (rssKiB > max) max = rssKiB;
    } catch {
      // process gone
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return max;
    },
  };
}

let tasksetPath;
/** The taskset binary (util-linux), or null. */
export function taskset() {
  if (tasksetPath === undefined) {
    try {
      tasksetPath = execFileSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).trim() || null;
    } catch {
      tasksetPath = null;
    }
  }
  return tasksetPath;
}

/** Pins every thread of `pid` to `cpus` (e.g. '1'); returns false when it could not. */
export function pin(pid, cpus) {
  const bin = taskset();
  if (!bin) return false;
  try {
    execFileSync(bin, ['-a', '-cp', String(cpus), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Machine description for the report. */
export function machine() {
  let cpuModel = 'unknown';
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  let memTotalGiB = NaN;
  try {
    const kib = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    memTotalGiB = Math.round((kib / 1024 / 1024) * 10) / 10;
  } catch {
    // not Linux
  }
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux
  }
  return { cpuModel, memTotalGiB, kernel };
}

/** Sets the nice value of every thread of `pid` (Linux keeps it per thread); false when not allowed. */
export function renice(pid, niceness) {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) os.setPriority(Number(tid), niceness);
    return true;
  } catch {
    return false;
  }
}

/** Total µs during which some task waited for a CPU (PSI, /proc/pressure/cpu), or NaN. */
export function cpuPressureUs() {
  try {
    return Number(/some .*total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    return NaN;
  }
}
