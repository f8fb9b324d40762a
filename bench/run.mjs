// `npm run bench` (scripts/bench.sh builds first): the benchmark, in one headless
// Chromium run on loopback against the release sandbox. Prints a table and writes every figure
// to bench-results/bench.json.
//
//   node bench/run.mjs [--quick] [--duration S] [--connections N] [--threads N]
//                      [--expected-rate R] [--sections encrypt,cold-start,bytes,flows,server]
//
// Targets are printed PASS/MISS and never fail the run. It exits non-zero only when a figure
// cannot be trusted: a section failed, an implementation's JWE did not decrypt, the bytes list
// and the files fetched disagree, or the load test ran out of handles.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startSandbox } from "../tests/support/sandbox.mjs";
import { launch } from "../tests/support/browser.mjs";
import { benchEncrypt } from "./encrypt.mjs";
import { benchColdStart } from "./cold-start.mjs";
import { benchBytes } from "./bytes.mjs";
import { benchFlows } from "./flows.mjs";
import { benchServer } from "./server.mjs";
import { startFloor } from "./floor.mjs";
import { render, targets } from "./report.mjs";
import { busyShare } from "./machine.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const SECTIONS = ["encrypt", "cold-start", "bytes", "flows", "server"];

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    connections: { type: "string", default: "64" },
    threads: { type: "string", default: "2" },
    "expected-rate": { type: "string", default: "5000" },
    sections: { type: "string", default: SECTIONS.join(",") },
  },
});
const quick = flags.quick;
const sections = new Set(flags.sections.split(","));
for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`unknown section "${s}": ${SECTIONS.join(", ")}`);

// Sizes of each section: full by default, --quick for a smoke run of a few seconds each.
const plan = {
  encrypt: quick ? { warmup: 20, rounds: 4, perRound: 25 } : { warmup: 50, rounds: 20, perRound: 25 },
  coldStart: quick ? { runs: 5, warmup: 1 } : { runs: 15, warmup: 2 },
  flows: quick ? { flows: 10, warmup: 1 } : { flows: 50, warmup: 2 },
  server: {
    durationS: Number(flags.duration ?? (quick ? 5 : 20)),
    connections: Number(flags.connections),
    threads: Number(flags.threads),
    expectedRate: Number(flags["expected-rate"]),
    floorIterations: quick ? 500 : 2000,
  },
};

const log = (message) => process.stderr.write(`bench: ${message}\n`);
const result = { started: new Date().toISOString(), quick, plan, environment: environment(), errors: {} };
// Other work on the machine right now (the build just before us is over by then).
result.environment.busyAtStart = Number((await busyShare(1000)).toFixed(2));

async function section(name, fn) {
  if (!sections.has(name)) return undefined;
  log(`${name}...`);
  const start = performance.now();
  try {
    const out = await fn();
    log(`${name} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return out;
  } catch (error) {
    log(`${name} FAILED: ${error.stack || error}`);
    result.errors[name] = String(error.message || error);
    return undefined;
  }
}

// The release build, which scripts/bench.sh makes: the test launcher's default (the newer of the
// release and debug builds) would time a debug build after any `cargo test`, 10x slower.
process.env.WALLETPUSH_SANDBOX_BIN ??= `${root}/target/release/walletpush-sandbox`;
// The request log is not collected: the load test should not pay for it.
const sandbox = await startSandbox({ logs: false });
// The floors of cold start and click to hand-off (bench/floor.mjs), beside the sandbox.
const floor = sections.has("cold-start") || sections.has("flows") ? await startFloor(sandbox) : null;
try {
  const browser = await launch();
  result.environment.chromium = browser.version();
  try {
    result.encrypt = await section("encrypt", () => benchEncrypt(browser, plan.encrypt));
    result.coldStart = await section("cold-start", () => benchColdStart(browser, sandbox, floor, plan.coldStart));
    result.bytes = await section("bytes", async () => {
      const fetched = result.coldStart?.responses;
      const out = benchBytes(fetched ?? [], sandbox.origins.widget);
      // Without a cold-start run there is nothing to cross-check against.
      return fetched ? { ...out, crossChecked: true } : { ...out, crossChecked: false, problems: [] };
    });
    result.flows = await section("flows", () => benchFlows(browser, sandbox, floor, plan.flows));
  } finally {
    await browser.close();
  }
  // Last, with the browser closed: the load test wants both cores.
  result.server = await section("server", () => benchServer(sandbox, plan.server));
} finally {
  await floor?.close();
  await sandbox.stop();
}

result.finished = new Date().toISOString();
result.targets = targets(result);
const untrusted = [
  ...Object.entries(result.errors).map(([s, e]) => `${s} failed: ${e}`),
  ...Object.entries(result.encrypt?.implementations ?? {})
    .filter(([, i]) => i.check.failures > 0)
    .map(([n, i]) => `encrypt: ${i.check.failures} JWEs of ${n} failed the check (${i.check.reason})`),
  ...(result.bytes?.problems ?? []).map((p) => `bytes: ${p}`),
  ...(result.server?.exhausted ? ["server: the pre-minted handles ran out: raise --expected-rate"] : []),
];
result.untrusted = untrusted;

mkdirSync(`${root}bench-results`, { recursive: true });
writeFileSync(`${root}bench-results/bench.json`, `${JSON.stringify(result, null, 2)}\n`);
console.log(render(result));
for (const u of untrusted) console.log(`UNTRUSTED: ${u}`);
console.log("\nwritten: bench-results/bench.json");
process.exitCode = untrusted.length ? 1 : 0;

function environment() {
  const git = (...args) => {
    try {
      return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
    } catch {
      return null;
    }
  };
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    // 1-minute load average before the bench: other work on the machine skews every figure.
    loadAverage: Number(loadavg()[0].toFixed(2)),
    commit: git("rev-parse", "--short", "HEAD"),
    dirty: Boolean(git("status", "--porcelain", "--untracked-files=no")),
  };
}
