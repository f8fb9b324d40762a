// Availability of the adapter wallets: before a wallet's button is shown, the frame decides
// whether it can work here, and says `unavailable {wallet, cause}` otherwise. This sandbox
// offers the three adapter wallets without their ids (integrator id, partner id, token
// requestor id), as a deployment that is not onboarded yet would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { withPage } from "../support/e2e.mjs";
import { useAdapterSandbox } from "../support/wallets.mjs";
import { embed, waitForEvent, events, widgetFrame } from "../support/browser.mjs";

const env = useAdapterSandbox({ googleIntegratorId: null, applePartnerId: null, tokenRequestor: null });

test("missing ids: each wallet unavailable with its cause, no script loaded, the others usable", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({ wallets: ["sandbox", "google", "apple", "token-connect"] });
    await embed(page, env.sandbox, { handle, wallets: "google apple token-connect sandbox" });
    const ready = await waitForEvent(page, "ready");
    assert.deepEqual(ready.detail.wallets, ["sandbox"]);
    const causes = Object.fromEntries((await events(page)).filter((e) => e.name === "unavailable").map((e) => [e.detail.wallet, e.detail.cause]));
    assert.deepEqual(causes, {
      google: "missing-integrator-id",
      apple: "missing-partner-id",
      "token-connect": "missing-token-requestor",
    });
    assert.equal(await widgetFrame(page).locator("button.wallet").count(), 1);
    assert.deepEqual(env.standIns.requests, [], "no wallet script was fetched");
  });
});

test("a wallet the deployment does not offer: unavailable, not-configured", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({ wallets: ["sandbox", "paypal"] });
    await embed(page, env.sandbox, { handle, wallets: "paypal sandbox" });
    const unavailable = await waitForEvent(page, "unavailable");
    assert.deepEqual(unavailable.detail, { wallet: "paypal", cause: "not-configured" });
  });
});
