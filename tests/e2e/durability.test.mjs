// Durability: provision a card, kill the sandbox with SIGKILL, start it again on the same data:
// the token is still listed and the used handle is still refused.
import "../support/net.mjs";
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, walletSignIn } from "../support/sandbox.mjs";
import { launch, newContext, embed, waitForEvent, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const dataDir = mkdtempSync(join(tmpdir(), "walletpush-durable-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test("a provisioned token and a used handle survive SIGKILL", async () => {
  const first = await startSandbox({ dataDir });
  const browser = await launch();
  let handle;
  let binding;
  let tokenRef;
  try {
    ({ handle, binding } = await first.mintHandle({}));
    const context = await newContext(browser, first);
    const page = await context.newPage();
    await embed(page, first, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await confirmInWallet(popup);
    tokenRef = (await waitForEvent(page, "success")).detail.token_ref;
    await context.close();
  } finally {
    await browser.close();
    await first.stop({ signal: "SIGKILL", keepData: true });
  }

  const second = await startSandbox({ dataDir, ports: first.ports });
  try {
    const tokens = await second.tokens();
    assert.ok(tokens.some((t) => t.ref === tokenRef), "the token is still listed");
    const cookie = await walletSignIn(second.origins.wallet);
    const vault = await (await fetch(`${second.origins.wallet}/cards`, { headers: { cookie } })).text();
    assert.ok(vault.includes(tokenRef), "the vault page lists it");
    // As the frame would send it, binding cookie included: only the replay check is left.
    const response = await fetch(`${second.origins.widget}/walletpush/v1/credentials`, {
      method: "POST",
      headers: { "content-type": "application/json", ...second.redeemHeaders(binding) },
      body: JSON.stringify({ handle, wallet: "sandbox", state: "YWZ0ZXItcmVzdGFydC0xMj" }),
    });
    assert.equal(response.status, 409);
    assert.equal((await response.json()).code, "HANDLE_REPLAYED");
  } finally {
    await second.stop();
  }
});
