// A wallet's own script turns hostile (docs/design.md §4, §7): Google's integration.min.js is
// replaced by tests/fixtures/wallets/hostile/integration.min.js, served by the test from the
// stand-ins' origin and loaded where Google's script runs, in the adapter frame on the adapter
// origin. When the user clicks Google's button it takes the card handle the widget frame hands
// over for that attempt and tries to turn it into card data: it redeems it for the walletpush/1
// wallet with the binding cookie, in no-cors mode and by a form POST, reads its parent (the
// widget frame) and the host page, and frames the widget frame itself. Nothing works: the issuer
// API refuses the adapter origin for card data (ORIGIN_NOT_ALLOWED, spending nothing), the
// browser keeps the other frames from it, and its own page's policy blocks the form and the
// frame. No card data appears in any answer, message, DOM, console line, URL or log; and the
// user's own walletpush/1 flow, with that very handle, still provisions the card.
import "../support/net.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { useSandbox, withPage } from "../support/e2e.mjs";
import { adapterFlags, startWalletStandIns } from "../support/wallets.mjs";
import { embed, waitForEvent, widgetFrame, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const env = useSandbox(async (env) => {
  env.standIns = await startWalletStandIns();
  env.cleanups.push(() => env.standIns.close());
  const flags = adapterFlags(env.standIns);
  flags[flags.indexOf("--google-script-url") + 1] = `${env.standIns.origin}/hostile/integration.min.js`;
  return { extraArgs: flags };
});

// The sandbox's default card (sandbox/src/seed.rs), in every form it could show.
const SECRETS = [
  "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "411111111111",
  "12/30", "12/2030", "2030-12", "Gianna Holder", "\"pan\"", "exp_month", "exp_year",
];

function assertNoCardData(text, where) {
  for (const secret of SECRETS) assert.equal(text.includes(secret), false, `${where} holds card data (${secret})`);
}
// The check can fail.
assert.throws(() => assertNoCardData("…4111111111111111…", "self-test"));

test("a hostile wallet script on the adapter origin gets no card data, and the user's walletpush/1 flow still works", async () => {
  await withPage(env, async (page, context) => {
    const { widget, adapters } = env.sandbox.origins;
    const seen = { console: [], urls: [], answers: [] };
    page.on("console", (m) => seen.console.push(m.text()));
    context.on("request", (r) => seen.urls.push(r.url()));
    context.on("response", async (r) => {
      if (!r.url().endsWith("/walletpush/v1/credentials") || r.request().method() !== "POST") return;
      const origin = await r.request().headerValue("origin");
      seen.answers.push({ origin, status: r.status(), text: await r.text().catch(() => "") });
    });

    const { handle, last4 } = await env.sandbox.mintHandle({ wallets: ["sandbox", "google"] });
    await embed(page, env.sandbox, { handle, wallets: "google sandbox" });
    await waitForEvent(page, "ready");

    // The user clicks Google's button: the hostile script gets the handle and attacks.
    await widgetFrame(page).frameLocator('iframe.adapter[data-wallet="google"]').locator("button.wallet").click();
    const adapterFrame = page.frames().find((f) => f.url().startsWith(`${adapters}/adapter.html`));
    assert.ok(adapterFrame, "the adapter frame");
    await adapterFrame.waitForFunction(() => window.__attack?.done, null, { timeout: 30_000 });
    const attack = await adapterFrame.evaluate(() => window.__attack);
    const cancel = await waitForEvent(page, "cancel");
    assert.equal(cancel.detail.wallet, "google");

    // It had the handle (the premise), and nothing else.
    assert.deepEqual(attack.handles, [handle], "the hostile script saw the attempt's handle");
    for (const read of attack.reads.filter((r) => /^(parent|top)\./.test(r.name))) {
      assert.equal(read.error, "SecurityError", `${read.name}: ${read.value ?? read.error}`);
    }
    assert.ok(!attack.reads.find((r) => r.name === "document.cookie").value.includes("walletpush_binding"), "the binding cookie is HttpOnly");
    // Its redemptions: refused by the issuer API, or not even readable.
    assert.ok(attack.redeems.length >= 6);
    for (const r of attack.redeems) {
      if (r.how === "no-cors") assert.deepEqual([r.type, r.status, r.text], ["opaque", 0, ""], JSON.stringify(r));
      else assert.ok(r.error === "TypeError" || (r.status === 403 && r.text.includes("ORIGIN_NOT_ALLOWED")), JSON.stringify(r));
    }
    // What the server answered to each of them, as the browser received it (whatever the script
    // could read): ORIGIN_NOT_ALLOWED for every request from the adapter origin.
    const fromAdapter = seen.answers.filter((a) => a.origin === adapters);
    assert.ok(fromAdapter.length >= 6, `${fromAdapter.length} answers to the adapter origin`);
    for (const a of fromAdapter) {
      assert.equal(a.status, 403, a.text);
      assert.equal(JSON.parse(a.text).code, "ORIGIN_NOT_ALLOWED");
    }
    // The form POST and the framed widget: blocked by adapter.html's own policy.
    assert.ok(attack.violations.some((v) => v.startsWith("form-action")), attack.violations.join("; "));
    assert.ok(attack.violations.some((v) => /^frame-src/.test(v) && v.includes(widget)), attack.violations.join("; "));
    assert.ok(!seen.urls.some((u) => u.startsWith(`${widget}/frame.html?host=${encodeURIComponent(adapters)}`)), "the widget frame was never loaded under the adapter origin");

    // The user's own walletpush/1 flow, with the same handle: nothing was spent.
    const before = (await env.sandbox.tokens()).length;
    const popup = await clickAndOpenWallet(page, context, "sandbox");
    await confirmInWallet(popup);
    const success = await waitForEvent(page, "success");
    assert.deepEqual([success.detail.wallet, success.detail.last4], ["sandbox", last4]);
    assert.equal((await env.sandbox.tokens()).length, before + 1);

    // No card data anywhere: what the script kept, every answer, message, console line and URL,
    // every frame's DOM, the host page's record, the sandbox's log.
    assertNoCardData(JSON.stringify(attack), "what the hostile script gathered");
    for (const a of seen.answers.filter((a) => a.origin !== widget)) assertNoCardData(a.text, "an answer to the adapter origin");
    assertNoCardData(seen.console.join("\n"), "the console");
    assertNoCardData(seen.urls.join("\n"), "a URL");
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      assertNoCardData(await frame.content().catch(() => ""), `the DOM of ${frame.url()}`);
    }
    assertNoCardData(JSON.stringify(await page.evaluate(() => window.__wp)), "the host page's events and messages");
    assertNoCardData(env.sandbox.logs(), "the sandbox's log");
  });
});
