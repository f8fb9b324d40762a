// The one launcher of the sandbox binary for every JS suite (sandbox, e2e, bench): its own
// ports, a fresh data folder unless given one, test hooks on unless asked otherwise. Waits for
// "ready" on stdout; `stop()` ends it (SIGTERM, or SIGKILL on request). Importing it makes
// Node's fetch resolve the sandbox's *.localhost names (./net.mjs).
import "./net.mjs";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The binary: $WALLETPUSH_SANDBOX_BIN, else the newer of the release and debug builds. */
export function sandboxBinary() {
  if (process.env.WALLETPUSH_SANDBOX_BIN) return process.env.WALLETPUSH_SANDBOX_BIN;
  return ["release", "debug"]
    .map((profile) => join(root, "target", profile, "walletpush-sandbox"))
    .filter((path) => existsSync(path))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/**
 * Starts a sandbox. By default the system picks three free ports (port 0) and the printed URLs
 * tell which; `ports` ({host, widget, wallet}) pins them, e.g. to restart on a handle's origin.
 * `dataDir` reuses a data folder (kept on stop); `wwwDir` serves other widget files than
 * www/dist; `hooks: false` starts it without the test hooks. `logs: false` sends the sandbox's
 * request log to /dev/null (a load test should not pay for collecting it); start-up failures
 * then show only the exit code. `onLog(text)` sees every chunk of stderr as it comes.
 * `build` ({binary, wwwDir}) runs another build of the sandbox and the widget than this
 * checkout's (bench/compare.mjs compares two).
 */
export async function startSandbox({
  ports: pinned, dataDir, wwwDir, hooks = true, extraArgs = [], logs = true, onLog, build,
} = {}) {
  const program = build?.binary ?? sandboxBinary();
  if (!program) throw new Error("build the sandbox first: npm run build");
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "walletpush-"));
  const args = [
    "--host-port", String(pinned?.host ?? 0), "--widget-port", String(pinned?.widget ?? 0),
    "--wallet-port", String(pinned?.wallet ?? 0), "--adapter-port", String(pinned?.adapters ?? 0),
    "--data-dir", dir, "--www-dir", wwwDir ?? build?.wwwDir ?? join(root, "www", "dist"),
    ...(hooks ? ["--test-hooks"] : []), ...extraArgs,
  ];
  // The flags decide, not whatever WALLETPUSH_* the caller's environment has.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("WALLETPUSH_")));
  const child = spawn(program, args, { env, stdio: ["ignore", "pipe", logs ? "pipe" : "ignore"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d) => {
    stderr += d;
    onLog?.(d);
  });
  child.stdout.setEncoding("utf8");
  await new Promise((resolve, reject) => {
    const fail = (error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`sandbox did not start in 20 s:\n${stderr}`)), 20_000);
    child.on("exit", (code) => fail(new Error(`sandbox exited with ${code}:\n${stderr}`)));
    child.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.split("\n").includes("ready")) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve();
      }
    });
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const origins = parseOrigins(stdout);
  const ports = Object.fromEntries(Object.entries(origins).map(([k, v]) => [k, Number(new URL(v).port)]));
  return {
    child,
    origins,
    ports,
    dataDir: dir,
    logs: () => stdout + stderr,
    async stop({ signal = "SIGTERM", keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      if (!keepData && !dataDir) rmSync(dir, { recursive: true, force: true });
    },
    /**
     * Mints a handle through the test hook: {handle, card, last4, jti, binding}. `binding` is
     * the binding cookie's value the handle's `bnd` names: by default the hooks' own, which
     * `/__sandbox/embed` sets in the browser; `claims.binding` names another.
     */
    async mintHandle(claims = {}) {
      return postJson(`${origins.host}/__sandbox/handle`, claims);
    },
    /** Sets a fault on the widget origin (issuer API, frame) or the wallet. */
    async fault(target, mode) {
      const origin = target === "session" ? origins.wallet : origins.widget;
      return postJson(`${origin}/__sandbox/fault`, { target, mode });
    },
    /** The wallet's provisioned tokens (`/api/tokens`, signed in as the wallet's demo user). */
    async tokens() {
      const response = await fetch(`${origins.wallet}/api/tokens`, { headers: { cookie: await walletSignIn(origins.wallet) } });
      if (!response.ok) throw new Error(`${origins.wallet}/api/tokens: ${response.status}`);
      return response.json();
    },
    /** The headers that redeem a handle from Node as the widget frame would: Origin, cookie. */
    redeemHeaders(binding) {
      return { origin: origins.widget, cookie: `walletpush_binding=${binding}` };
    },
  };
}

/**
 * The sandbox's start-up lines, `LABEL URL` each (sandbox/README.md) → {host, widget, wallet,
 * adapters?}. Throws when one of the first three is missing.
 */
export function parseOrigins(stdout) {
  const origins = {};
  for (const line of stdout.split("\n")) {
    const match = /^(host|widget|wallet|adapters) (https?:\/\/\S+)$/.exec(line.trim());
    if (match) origins[match[1]] = match[2];
  }
  for (const label of ["host", "widget", "wallet"]) {
    if (!origins[label]) throw new Error(`the sandbox printed no "${label}" line:\n${stdout}`);
  }
  return origins;
}

/** Signs in to the sandbox wallet's demo user; returns the `Cookie` header value. */
export async function walletSignIn(walletOrigin) {
  const response = await fetch(`${walletOrigin}/api/signin`, {
    method: "POST", headers: { "content-type": "application/json", origin: walletOrigin }, body: "{}",
  });
  if (!response.ok) throw new Error(`${walletOrigin}/api/signin: ${response.status}`);
  return response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
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
