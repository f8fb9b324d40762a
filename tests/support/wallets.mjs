// The wallets' stand-ins (tests/fixtures/wallets/) on their own loopback origin, and a sandbox
// configured to use them: the set-up of the adapter end-to-end tests.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join, normalize } from "node:path";
import { useSandbox } from "./e2e.mjs";

const ROOT = fileURLToPath(new URL("../fixtures/wallets/", import.meta.url));
const TYPES = { ".js": "text/javascript; charset=utf-8", ".html": "text/html; charset=utf-8" };

/** Serves tests/fixtures/wallets/ on 127.0.0.1 (a free port); `close()` stops it. */
export async function startWalletStandIns() {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    requests.push(path);
    const file = normalize(join(ROOT, path));
    const type = TYPES[file.slice(file.lastIndexOf("."))];
    if (!file.startsWith(ROOT) || !type) return void res.writeHead(404).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    urls: {
      google: `${origin}/google/integration.min.js`,
      apple: `${origin}/apple/initAddToAppleWallet.js`,
      requestor: `${origin}/token-connect/requestor.html`,
    },
    /** Paths requested so far (to tell what a page downloaded). */
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The sandbox flags that turn on the three adapter wallets against the stand-ins. */
export function adapterFlags(standIns, { googleIntegratorId = "sandbox-integrator", applePartnerId = "sandbox-partner", tokenRequestor = "50123197928" } = {}) {
  const flags = [
    "--google-script-url", standIns.urls.google,
    "--apple-script-url", standIns.urls.apple,
    "--token-connect-url", standIns.urls.requestor,
  ];
  if (googleIntegratorId) flags.push("--google-integrator-id", googleIntegratorId);
  if (applePartnerId) flags.push("--apple-partner-id", applePartnerId);
  // A second eligible requestor, its own wallet, for the choice among requestors.
  if (tokenRequestor) flags.push("--token-connect-requestor", tokenRequestor, "--token-connect-also", "merchant-pay:50123197929:Merchant Pay");
  return flags;
}

/**
 * useSandbox() of e2e.mjs with the stand-ins served first and the sandbox pointed at them;
 * `env.standIns` is the stand-in server.
 */
export function useAdapterSandbox(ids = {}) {
  return useSandbox(async (env) => {
    env.standIns = await startWalletStandIns();
    env.cleanups.push(() => env.standIns.close());
    return { extraArgs: adapterFlags(env.standIns, ids) };
  });
}
