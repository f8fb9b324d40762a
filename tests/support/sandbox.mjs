// Starts the sandbox binary on loopback for a test file: its own ports, a fresh data folder,
// test hooks on. Waits for "ready" on stdout; `stop()` kills it (SIGTERM, or SIGKILL on request).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const binary = ["target/release/walletpush-sandbox", "target/debug/walletpush-sandbox"]
  .map((p) => join(root, p))
  .find((p) => existsSync(p));

/**
 * Starts a sandbox. By default the system picks three free ports (port 0) and the printed URLs
 * tell which; `ports` ({host, widget, wallet}) pins them, e.g. to restart on a handle's origin.
 * `dataDir` reuses a data folder. `logs: false` sends the sandbox's request log to /dev/null
 * (a load test should not pay for collecting it); start-up failures then show only the exit code.
 * `build` ({binary, wwwDir}) runs another build of the sandbox and the widget than this
 * checkout's (bench/compare.mjs compares two).
 */
export async function startSandbox({ ports: pinned, dataDir, extraArgs = [], logs = true, build } = {}) {
  const program = build?.binary ?? binary;
  if (!program) throw new Error("build the sandbox first: npm run build");
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "walletpush-"));
  const args = [
    "--host-port", String(pinned?.host ?? 0), "--widget-port", String(pinned?.widget ?? 0),
    "--wallet-port", String(pinned?.wallet ?? 0),
    "--data-dir", dir, "--www-dir", build?.wwwDir ?? join(root, "www", "dist"), "--test-hooks", ...extraArgs,
  ];
  const child = spawn(program, args, { stdio: ["ignore", "pipe", logs ? "pipe" : "ignore"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${stderr}`)), 20_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      if (/\bready\b/.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code}:\n${stderr}`));
    });
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  // The first three lines are the host, widget and wallet URLs (sandbox/README.md).
  const [host, widget, wallet] = stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("http"));
  const origins = { host, widget, wallet };
  const ports = Object.fromEntries(Object.entries(origins).map(([k, v]) => [k, Number(new URL(v).port)]));
  return {
    origins,
    ports,
    dataDir: dir,
    logs: () => stdout + stderr,
    async stop({ signal = "SIGTERM", keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      if (!keepData && !dataDir) rmSync(dir, { recursive: true, force: true });
    },
    /** Mints a handle through the test hook: {handle, card, last4}. */
    async mintHandle(claims = {}) {
      return postJson(`${origins.host}/__sandbox/handle`, claims);
    },
    /** Sets a fault on the widget origin (issuer API, frame) or the wallet. */
    async fault(target, mode) {
      const origin = target === "session" ? origins.wallet : origins.widget;
      return postJson(`${origin}/__sandbox/fault`, { target, mode });
    },
    async tokens() {
      const response = await fetch(`${origins.wallet}/api/tokens`);
      return response.json();
    },
  };
}

export async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
