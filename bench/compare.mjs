// Cold start of two (or more) builds, interleaved: every build's sandbox runs at once, and the
// runs alternate A, B, B, A, ... one fresh browser context each, so that other work on the
// machine weighs on every build alike. On a shared 2-core machine, medians of separate
// `bench/run.mjs` runs of the same build differ by ±20 ms; paired runs show smaller effects.
//
//   node bench/compare.mjs [--runs 30] DIR_A DIR_B [DIR_C ...]
//
// Each DIR holds one build: `dist/` (a copy of www/dist) and `walletpush-sandbox` (a copy of
// target/release/walletpush-sandbox), e.g. after `npm run build`:
//
//   mkdir -p /tmp/a && cp -r www/dist /tmp/a/ && cp target/release/walletpush-sandbox /tmp/a/
//
// Prints, for each build: the median from the shim running to `ready`, the median of its
// paired differences to the first build, and the medians of the waterfall's steps.
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { launch } from "../tests/support/browser.mjs";
import { startSandbox } from "../tests/support/sandbox.mjs";
import { benchColdStart } from "./cold-start.mjs";
import { median } from "./stats.mjs";

const { values: flags, positionals: dirs } = parseArgs({
  options: { runs: { type: "string", default: "30" } },
  allowPositionals: true,
});
if (dirs.length < 2) throw new Error("usage: node bench/compare.mjs [--runs N] DIR_A DIR_B [...]");
const runs = Number(flags.runs);
const WARMUP = 2;

const builds = dirs.map((d) => ({ name: d, binary: join(resolve(d), "walletpush-sandbox"), wwwDir: join(resolve(d), "dist") }));
const sandboxes = await Promise.all(builds.map((build) => startSandbox({ build, logs: false })));
const browser = await launch();
const samples = builds.map(() => []);
const loads = [];
try {
  for (let i = 0; i < WARMUP + runs; i++) {
    const order = builds.map((_, k) => k);
    for (const k of i % 2 ? order.reverse() : order) {
      const run = await benchColdStart(browser, sandboxes[k], null, { runs: 1, warmup: 0 });
      if (i >= WARMUP) samples[k].push({ ms: run.samples[0], waterfall: run.waterfall });
    }
    loads.push(loadavg()[0]);
  }
} finally {
  await browser.close();
  await Promise.all(sandboxes.map((s) => s.stop()));
}

const fixed = (x) => (Number.isFinite(x) ? x.toFixed(1) : "-");
console.log(`cold start, ${runs} interleaved runs per build, load average ${fixed(Math.min(...loads))}–${fixed(Math.max(...loads))}`);
builds.forEach((build, k) => {
  const ms = samples[k].map((s) => s.ms);
  const paired = k === 0 ? "" : `, paired difference to ${builds[0].name}: ${fixed(median(ms.map((x, i) => x - samples[0][i].ms)))} ms`;
  console.log(`${build.name}: shim running → ready ${fixed(median(ms))} ms${paired}`);
  const steps = Object.keys(samples[k][0].waterfall).map((step) =>
    `${step} ${fixed(median(samples[k].map((s) => s.waterfall[step]?.[0]).filter(Number.isFinite)))}`);
  console.log(`  ${steps.join(" | ")}`);
});
