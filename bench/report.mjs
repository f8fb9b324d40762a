// The printed table and the performance budgets. A missed target is printed as MISS and never
// fails the run: the figures are for comparing builds, not a gate.

import { BYTE_BUDGETS } from "../scripts/sizes.mjs";

const KB = 1024;
const kb = (bytes) => `${(bytes / KB).toFixed(1)} KB`;
/** A byte budget as printed: "45 KB". */
const budget = (name) => `${BYTE_BUDGETS[name] / KB} KB`;
/** Encrypt: ours at most this many times hand-written WebCrypto's median. */
const ENCRYPT_RATIO = 6;
/** Cold start: walletpush's median at most its floor's median plus this. */
const COLD_START_OVER_FLOOR_MS = 20;
/** Click to hand-off: the widget's own compute, without the browser's window.open. */
const COMPUTE_MS = 5;
const coldStartMet = (c) => c.coldStart.median <= c.floor.median + COLD_START_OVER_FLOOR_MS;
const ms = (x, digits = 2) => (Number.isFinite(x) ? `${x.toFixed(digits)} ms` : "n/a");

/** [{name, ok}] for each target whose section ran. */
export function targets(r) {
  const out = [];
  const add = (name, ok) => out.push({ name, ok: Boolean(ok) });
  if (r.encrypt) add(`encrypt: ours ≤ ${ENCRYPT_RATIO}× hand-written WebCrypto (median)`, r.encrypt.ratioWasmToWebCrypto <= ENCRYPT_RATIO);
  if (r.bytes) {
    add(`bytes: Wasm + glue ≤ ${budget("wasmAndGlue")} gzip`, r.bytes.wasmAndGlue.gzip <= BYTE_BUDGETS.wasmAndGlue);
    add(`bytes: shim ≤ ${budget("shim")} gzip`, r.bytes.shim.gzip <= BYTE_BUDGETS.shim);
    add(`bytes: all widget files ≤ ${budget("total")} gzip`, r.bytes.total.gzip <= BYTE_BUDGETS.total);
  }
  if (r.coldStart) add(`cold start median ≤ its floor's + ${COLD_START_OVER_FLOOR_MS} ms`, coldStartMet(r.coldStart));
  if (r.flows) add(`click → hand-off: the widget's compute (without window.open) median ≤ ${COMPUTE_MS} ms`, r.flows.computeWithoutWindowOpen.median <= COMPUTE_MS);
  if (r.server) {
    const s = r.server;
    add("server ≥ 1500 exchanges/s", s.requestsPerSecond >= 1500 && !s.exhausted);
    add("server p99 ≤ 25 ms", s.latencyMs.p99 <= 25);
    add("server: no error (non-2xx, socket)", s.non2xx === 0 && s.socketErrors === 0);
  }
  return out;
}

function table(rows) {
  // A very long cell (a list) runs over instead of widening its whole column.
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => String(r[i] ?? "").length).filter((n) => n <= 50)));
  return rows.map((r) => r.map((c, i) => String(c ?? "").padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

const mark = (ok) => (ok ? "PASS" : "MISS");

/** The human-readable report of `r` (the object written to bench.json). */
export function render(r) {
  const env = r.environment ?? {};
  const lines = [
    `walletpush bench${r.quick ? " (--quick)" : ""}: ${env.commit ?? "?"}${env.dirty ? " + uncommitted changes" : ""}, ` +
      `Chromium ${env.chromium ?? "?"}, Node ${env.node}, ${env.cpus} × ${env.cpuModel}, ` +
      `CPU busy at start ${Math.round((env.busyAtStart ?? 0) * 100)}% (load average ${env.loadAverage})`,
  ];
  if (env.busyAtStart > 0.1) lines.push("NOTE: other work was using the CPU at the start: figures may be noisy.");
  const section = (title, rows) => lines.push("", `== ${title}`, table(rows));

  if (r.encrypt) {
    const e = r.encrypt;
    const rows = [["implementation", "median / p90 per encrypt", "decrypts (checked in Node)"]];
    for (const [name, label] of [["wasm", "ours (Wasm encryptJwe)"], ["jose", "npm jose CompactEncrypt"], ["webcrypto", "hand-written WebCrypto"]]) {
      const i = e.implementations[name];
      rows.push([label, `${ms(i.median, 3)} / ${ms(i.p90, 3)}`, `${i.check.checked - i.check.failures}/${i.check.checked}${i.check.reason ? ` (${i.check.reason})` : ""}`]);
    }
    rows.push(["ours / hand-written WebCrypto", `${e.ratioWasmToWebCrypto.toFixed(2)}×`, `${mark(e.ratioWasmToWebCrypto <= ENCRYPT_RATIO)} (≤ ${ENCRYPT_RATIO}×)`]);
    if (Number.isFinite(e.ratioWasmToJose)) rows.push(["ours / jose", `${e.ratioWasmToJose.toFixed(2)}×`, ""]);
    section(`1. JWE encrypt, ${e.plaintextBytes} B card payload, ${e.callsEach} calls each after ${e.warmupEach} warm-up, in rotating rounds${e.crossOriginIsolated ? "" : " (timer coarse: page not cross-origin isolated)"}`, rows);
  }

  if (r.coldStart) {
    const c = r.coldStart;
    const rows = [
      ["shim running → ready (median / p90)", `${ms(c.coldStart.median, 1)} / ${ms(c.coldStart.p90, 1)}`, ""],
      ["floor: iframe added → its load (median / p90)", `${ms(c.floor.median, 1)} / ${ms(c.floor.p90, 1)}`, "same host page, cross-origin frame, a plain button, no script"],
      ["walletpush − floor (medians; paired median)", `${ms(c.overFloor, 1)}; ${ms(c.pairedOverFloor.median, 1)}`, `${mark(coldStartMet(c))} (≤ ${COLD_START_OVER_FLOOR_MS} ms)`],
      ["navigation start → ready (median)", ms(c.fromNavigation.median, 1), ""],
      ["shim fetch (median)", ms(c.shimFetch.median, 1), ""],
    ];
    rows.push(["  frame requests, median after the shim ran:", "start → last byte", ""]);
    for (const [name, [from, to]] of Object.entries(c.waterfall)) {
      rows.push([`  ${name}`, from === to ? `at ${ms(from, 1)}` : `${from.toFixed(1)} → ${ms(to, 1)}`, ""]);
    }
    section(`2. Cold start, fresh browser context, ${c.runs} runs`, rows);
  }

  if (r.flows) {
    const f = r.flows;
    const rows = [
      ["compute: open + verify + seal (median / p90)", `${ms(f.compute.median)} / ${ms(f.compute.p90)}`, "window.open included"],
    ];
    for (const [name, s] of Object.entries(f.parts)) rows.push([`  ${name} (median / p90)`, `${ms(s.median)} / ${ms(s.p90)}`, ""]);
    if (f.windowOpen?.n) {
      rows.push(["  of open: window.open itself (median)", ms(f.windowOpen.median), "the browser making the wallet window"]);
      rows.push(["the widget's compute, without window.open (median / p90)", `${ms(f.computeWithoutWindowOpen.median)} / ${ms(f.computeWithoutWindowOpen.p90)}`, `${mark(f.computeWithoutWindowOpen.median <= COMPUTE_MS)} (≤ ${COMPUTE_MS} ms)`]);
    }
    if (f.bareWindowOpen?.n) {
      rows.push(["floor: window.open of the same URL from a bare page (median / p90)", `${ms(f.bareWindowOpen.median)} / ${ms(f.bareWindowOpen.p90)}`, `features "${f.features}"`]);
      rows.push(["  the widget's window.open − the floor's (medians)", ms(f.windowOpenOverBare), ""]);
    }
    rows.push(["wall: click → handed-off (median / p90)", `${ms(f.wallClickToHandoff.median, 1)} / ${ms(f.wallClickToHandoff.p90, 1)}`, "for reference"]);
    rows.push(["wall: wallet ready → handed-off (median)", ms(f.walletReadyToHandoff.median, 1), "verify + issuer API + seal"]);
    section(`3. Click to hand-off, ${f.flows} flows`, rows);
  }

  if (r.bytes) {
    const b = r.bytes;
    const rows = [["file", "raw / gzip / brotli", ""]];
    for (const row of b.rows) rows.push([row.file, `${row.raw} / ${row.gzip} / ${row.brotli}`, ""]);
    rows.push(["Wasm + glue (+ adapter, gzip)", kb(b.wasmAndGlue.gzip), `${mark(b.wasmAndGlue.gzip <= BYTE_BUDGETS.wasmAndGlue)} (≤ ${budget("wasmAndGlue")})`]);
    rows.push(["shim (gzip)", kb(b.shim.gzip), `${mark(b.shim.gzip <= BYTE_BUDGETS.shim)} (≤ ${budget("shim")})`]);
    rows.push(["total (gzip)", kb(b.total.gzip), `${mark(b.total.gzip <= BYTE_BUDGETS.total)} (≤ ${budget("total")})`]);
    rows.push(["total (raw / brotli)", `${kb(b.total.raw)} / ${kb(b.total.brotli)}`, ""]);
    if (b.crossChecked) {
      rows.push(["fetched from the widget origin (cold start)", `${b.fetched.length} responses, ${kb(b.fetchedFromWidgetOrigin)}`, b.servedCompressed ? "compressed" : "served uncompressed"]);
      rows.push(["cross-check with the files fetched", b.problems.length ? "PROBLEMS:" : "every fetched file is listed, sizes equal", ""]);
      for (const p of b.problems) rows.push([`  ${p}`, "", ""]);
    }
    section("4. Bytes the host page downloads for the widget (KB = 1024 B)", rows);
  }

  if (r.server) {
    const s = r.server;
    const rows = [
      ["exchanges/s", `${s.requestsPerSecond}${s.exhausted ? " (INVALID: handles ran out, raise --expected-rate)" : ""}`, `${mark(s.requestsPerSecond >= 1500 && !s.exhausted)} (≥ 1500)`],
      ["latency p50 / p90 / p99", `${ms(s.latencyMs.p50)} / ${ms(s.latencyMs.p90)} / ${ms(s.latencyMs.p99)}`, `${mark(s.latencyMs.p99 <= 25)} (p99 ≤ 25 ms)`],
      ["non-2xx / socket errors", `${s.non2xx} / ${s.socketErrors}`, mark(s.non2xx === 0 && s.socketErrors === 0)],
      ["sandbox CPU per exchange", `${s.cpuPerExchangeUs} µs`, `machine busy ${(s.machineBusy * 100).toFixed(0)}% (wrk included)`],
      ["  CPU used during the run, by process", [...Object.entries(s.cpuMsByProcess ?? {}), ["not attributed (short-lived processes, kernel)", s.unattributedCpuMs ?? 0]].map(([c, t]) => `${c} ${(t / 1000).toFixed(1)} s`).join(", "), ""],
      ["  floor: ES256 verify (handle) + sign (activation)", `${s.floor.floor_us} µs`, `${s.floor.handle_verify_us} + ${s.floor.es256_sign_us} µs CPU, native, ${s.floor.iterations} iterations`],
    ];
    section(`5. Issuer API credential exchange: wrk ${s.threads} threads, ${s.connections} connections, ${s.durationS} s, ${s.requests} requests (${s.handlesMinted} handles pre-minted in ${s.mintSeconds} s)`, rows);
  }

  const t = targets(r);
  if (t.length) {
    lines.push("", `== Targets: ${t.filter((x) => x.ok).length} of ${t.length} met`);
    for (const x of t) lines.push(`${mark(x.ok)}  ${x.name}`);
  }
  return lines.join("\n");
}
