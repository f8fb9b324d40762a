// The issuer API against its description, server/openapi.yaml, on a running sandbox (the
// issuer API of walletpush-server with the demo card source and test hooks):
// 1. schemathesis (PyPI, pinned in scripts/lib.sh, installed by scripts/setup.sh into .tools/)
//    generates requests for every operation, valid and invalid, and checks every answer: no
//    5xx, a documented status, content type and headers, a body that matches the schema, 405
//    with `Allow` for undocumented methods, invalid input refused;
// 2. tests/api/flows.py drives the answers generated requests cannot reach (they carry no
//    valid handle): the card payload, a replay, the binding cookie missing or foreign, a rate
//    limit with Retry-After, an inactive card, and the other refusals, each checked by the same
//    schemathesis checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../support/sandbox.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SCHEMA = join(root, "server", "openapi.yaml");

/** The virtual environment scripts/setup.sh installs schemathesis into. */
function venv() {
  if (process.env.SCHEMATHESIS_VENV) return resolve(root, process.env.SCHEMATHESIS_VENV);
  const lib = readFileSync(join(root, "scripts", "lib.sh"), "utf8");
  const version = /^SCHEMATHESIS_VERSION="([0-9.]+)"/m.exec(lib)?.[1];
  assert.ok(version, "scripts/lib.sh pins SCHEMATHESIS_VERSION");
  return join(root, ".tools", `schemathesis-${version}`);
}

/** Runs `program` in `cwd` (schemathesis keeps its caches in the working directory). */
function run(program, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

test("every answer of the issuer API matches server/openapi.yaml, and none is a 5xx", { timeout: 240_000 }, async (t) => {
  const bin = join(venv(), "bin");
  assert.ok(existsSync(join(bin, "st")), `no schemathesis in ${bin}: run scripts/setup.sh`);
  // Three redemptions a card a minute, so that flows.py meets the card's rate limit; every
  // adapter wallet, so that their bodies and answers are exercised (their scripts are never
  // loaded here).
  const sandbox = await startSandbox({
    logs: false,
    extraArgs: [
      "--card-rate", "1:3",
      "--google-script-url", "http://127.0.0.1:9/google.js", "--google-integrator-id", "bank_123",
      "--apple-script-url", "http://127.0.0.1:9/apple.js", "--apple-partner-id", "partner_1",
      "--token-connect-url", "http://127.0.0.1:9/requestor", "--token-connect-requestor", "50123197929",
    ],
  });
  const scratch = mkdtempSync(join(tmpdir(), "walletpush-api-"));
  t.after(async () => {
    await sandbox.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  const widget = sandbox.origins.widget;
  // schemathesis resolves names with the system's resolver, which knows no *.localhost: it
  // connects to 127.0.0.1, and requests carry the widget origin as `Origin`.
  const api = `http://127.0.0.1:${sandbox.ports.widget}`;
  const seed = String(Math.floor(Math.random() * 2 ** 31));

  const fuzz = await run(join(bin, "st"), [
    "run", SCHEMA, "--url", api,
    "--checks", "all",
    // Generated handles are never valid, so valid-looking bodies are refused too.
    "--exclude-checks", "positive_data_acceptance",
    "--max-examples", "40", "--seed", seed, "--generation-database", "none",
    "--request-timeout", "10", "--no-color",
    // Past the caller check, so that generated bodies reach the handle's checks.
    "-H", `Origin: ${widget}`, "-H", "Sec-Fetch-Site: same-origin",
  ], scratch);
  assert.equal(fuzz.code, 0, `schemathesis (seed ${seed}) found answers that do not match:\n${fuzz.out}`);
  const cases = /Test cases:\s+(\d+ generated, \d+ passed)/.exec(fuzz.out);
  assert.ok(cases, fuzz.out);
  t.diagnostic(`schemathesis, seed ${seed}: ${cases[1]}`);

  const flows = await run(join(bin, "python"), [
    join(root, "tests", "api", "flows.py"), SCHEMA, widget, sandbox.origins.adapters,
    sandbox.origins.host, String(sandbox.ports.widget), String(sandbox.ports.host),
  ], scratch);
  assert.equal(flows.code, 0, flows.out);
  const summary = /^(\d+) passed, 0 failed$/m.exec(flows.out);
  assert.ok(summary, flows.out);
  t.diagnostic(`flows.py: ${summary[0]}`);
});
