// Section 5: the issuer API's credential exchange under load. `wrk` (a separate process on
// loopback) posts POST /walletpush/v1/credentials, each request with its own pre-minted handle
// (bench/server.lua), to the release sandbox. Reported beside it: the sandbox's CPU time per
// exchange (utime + stime from /proc/<pid>/stat around the run) and the floor of that, the
// CPU time of its two signature operations alone, timed natively by
// sandbox/examples/signature_floor.rs.
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { postJson } from "../tests/support/sandbox.mjs";
import { machineJiffies } from "./machine.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const BATCH = 5000; // sandbox/src/hooks.rs MAX_BATCH
const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited ${code}:\n${stderr}`))));
  });
}

/** µs per ES256 verify of a handle and per ES256 sign of an activation, natively. */
export async function signatureFloor(iterations) {
  const out = await run("cargo", [
    "run", "--release", "-q", "-p", "walletpush-sandbox", "--example", "signature_floor", "--", String(iterations),
  ]);
  return JSON.parse(out.trim().split("\n").pop());
}

/**
 * Mints `count` handles through the batch test hook, two batches in flight at a time, into
 * `file` one a line. Written as they come, so that no 30 MB of strings is left for the garbage
 * collector to reclaim while wrk runs. Returns how many were written and the binding cookie
 * value they are all bound to (the hooks' own).
 */
async function mintHandles(sandbox, count, file) {
  const sizes = [];
  for (let left = count; left > 0; left -= BATCH) sizes.push(Math.min(BATCH, left));
  writeFileSync(file, "");
  let written = 0;
  let binding;
  for (let i = 0; i < sizes.length; i += 2) {
    const replies = await Promise.all(
      sizes.slice(i, i + 2).map((n) => postJson(`${sandbox.origins.host}/__sandbox/handle`, { count: n })),
    );
    for (const r of replies) {
      appendFileSync(file, `${r.handles.join("\n")}\n`);
      written += r.handles.length;
      binding = r.binding;
    }
  }
  return { written, binding };
}

/** The pid of the sandbox process: the one whose command line names its own data dir. */
function sandboxPid(sandbox) {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv[0].endsWith("walletpush-sandbox") && argv.includes(sandbox.dataDir)) return Number(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error("the sandbox process was not found in /proc");
}

/** utime + stime of a process, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS; // fields 14 and 15 of stat(5)
}

/** CPU ms of every process now: Map pid -> {comm, ms}. */
function processCpu() {
  const out = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      // Our own process by name, so that another job's `node` is not taken for the bench. Its
      // share is mostly reading the sandbox's request log: startSandbox() pipes its stderr here.
      out.set(pid, { comm: Number(pid) === process.pid ? "bench (node)" : comm, ms: cpuMs(pid) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/**
 * Who used the CPU between two processCpu() snapshots, by command name, top `n` (ms): shows
 * what else ran on the machine during the load test (wrk itself, or another job).
 */
function cpuCensus(before, after, n = 6) {
  const byComm = new Map();
  for (const [pid, { comm, ms }] of after) {
    const used = ms - (before.get(pid)?.ms ?? 0);
    if (used > 0) byComm.set(comm, (byComm.get(comm) ?? 0) + used);
  }
  const sorted = [...byComm].sort((a, b) => b[1] - a[1]);
  return { top: Object.fromEntries(sorted.slice(0, n)), totalMs: sorted.reduce((t, [, ms]) => t + ms, 0) };
}

/**
 * `opts`: {durationS, connections, threads, expectedRate, floorIterations}. Pre-mints
 * durationS × expectedRate × 1.5 handles.
 */
export async function benchServer(sandbox, { durationS, connections, threads, expectedRate, floorIterations }) {
  const floor = await signatureFloor(floorIterations);

  const dir = mkdtempSync(join(tmpdir(), "walletpush-bench-"));
  const file = join(dir, "handles.txt");
  const pid = sandboxPid(sandbox);
  try {
    const mintStart = performance.now();
    const { written: minted, binding } = await mintHandles(sandbox, Math.ceil(durationS * expectedRate * 1.5), file);
    const mintMs = performance.now() - mintStart;

    const cpuBefore = cpuMs(pid);
    const machineBefore = machineJiffies();
    const processesBefore = processCpu();
    // Snapshots every second while wrk runs, so that wrk's own CPU (gone from /proc once it
    // exits) is counted too, to within a second.
    let during = processesBefore;
    const sampler = setInterval(() => (during = processCpu()), 1000);
    // wrk resolves names with the system's resolver, which knows no *.localhost: it connects to
    // 127.0.0.1 and server.lua sends the widget origin's name as Host.
    const widget = new URL(sandbox.origins.widget);
    const out = await run("wrk", [
      `-t${threads}`, `-c${connections}`, `-d${durationS}s`, "--timeout", "10s",
      "-s", join(here, "server.lua"),
      `http://127.0.0.1:${widget.port}/walletpush/v1/credentials`,
      "--", file, sandbox.origins.widget, String(threads), binding, widget.host,
    ]).finally(() => clearInterval(sampler));
    const cpuAfter = cpuMs(pid);
    const machineAfter = machineJiffies();
    const census = cpuCensus(processesBefore, new Map([...during, ...processCpu()]));
    const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const wrk = JSON.parse(line.slice("WRK_JSON ".length));
    const seconds = wrk.duration_us / 1e6;
    const cpuPerExchangeUs = ((cpuAfter - cpuBefore) * 1000) / wrk.requests;
    return {
      durationS,
      connections,
      threads,
      handlesMinted: minted,
      mintSeconds: Number((mintMs / 1000).toFixed(1)),
      requests: wrk.requests,
      requestsPerSecond: Number((wrk.requests / seconds).toFixed(0)),
      latencyMs: Object.fromEntries(Object.entries(wrk.latency_us).map(([k, v]) => [k, Number((v / 1000).toFixed(2))])),
      non2xx: wrk.errors.status,
      socketErrors: wrk.errors.connect + wrk.errors.read + wrk.errors.write + wrk.errors.timeout,
      exhausted: wrk.exhausted_threads > 0,
      sandboxCpuMs: cpuAfter - cpuBefore,
      cpuPerExchangeUs: Number(cpuPerExchangeUs.toFixed(0)),
      cpuMsByProcess: census.top,
      machineBusy: Number(((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)).toFixed(2)),
      // Busy CPU time no sampled process accounts for: processes that started and ended
      // between two samples (a compiler run by another job, typically), and the kernel.
      unattributedCpuMs: Math.max(0, (machineAfter.busy - machineBefore.busy) * CLOCK_TICK_MS - census.totalMs),
      floor,
      wrk,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
