// RATE_LIMITED in the browser (docs/design.md §5): a sandbox whose issuer API allows one
// redemption per card per burst. The first handle provisions the card; a second handle for the
// same card, at once, is refused with RATE_LIMITED, reported as retryable, and spends nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useSandbox, withPage, assertWalletClosed } from "../support/e2e.mjs";
import { embed, waitForEvent, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const env = useSandbox({ extraArgs: ["--card-rate", "0.001:1"] });

test("a second redemption of the same card at once: RATE_LIMITED, retryable", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await confirmInWallet(popup);
    await waitForEvent(page, "success");
  });
  await withPage(env, async (page, context) => {
    const before = await env.sandbox.tokens();
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    const error = await waitForEvent(page, "error");
    assert.equal(error.detail.code, "RATE_LIMITED");
    assert.equal(error.detail.retryable, true);
    assert.match(error.detail.message, /try again/i);
    await assertWalletClosed(context);
    assert.equal((await env.sandbox.tokens()).length, before.length, "no token added");
  });
});
