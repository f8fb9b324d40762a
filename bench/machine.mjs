// What the machine is doing: busy and total jiffies of all cores (/proc/stat), and how busy it
// was over a short window, so that a run on a machine shared with other work says so.
import { readFileSync } from "node:fs";

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineJiffies() {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const n = values.map(Number);
  const idle = n[3] + n[4]; // idle + iowait
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Share (0..1) of all cores busy during the next `ms` milliseconds, while we wait idle. */
export async function busyShare(ms = 1000) {
  const before = machineJiffies();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineJiffies();
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}
