// No leak: during a successful flow, the card's number, expiry and holder name appear nowhere the
// host page can read. The host page is instrumented before its scripts run (console, messages,
// events), and at the end everything it can reach is collected and searched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useSandbox, withPage } from "../support/e2e.mjs";
import { waitForEvent, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const env = useSandbox();

// The gift portal's first card (sandbox/src/seed.rs): PAN, expiry and the name embossed on it
// (the portal shows its user's display name, which is not card data).
const PAN = "4111111111111111";
const SECRETS = [
  PAN,
  "4111 1111 1111 1111",
  "4111-1111-1111-1111",
  "411111111111", // any 12-digit run of it
  "Gianna Holder",
  "12/30",
  "12/2030",
  "2030-12",
  "exp_month",
  "exp_year",
  "\"pan\"",
];

/** Everything a script of the host page could read, as one string. */
async function hostObservable(page) {
  return page.evaluate(() => {
    const parts = [];
    const walk = (root) => {
      parts.push(root.innerHTML ?? "");
      for (const el of root.querySelectorAll("*")) {
        if (el.shadowRoot) walk(el.shadowRoot);
        for (const attr of el.attributes) parts.push(`${attr.name}=${attr.value}`);
      }
    };
    walk(document.documentElement);
    parts.push(document.documentElement.outerHTML);
    parts.push(location.href, document.referrer, document.cookie, document.title);
    parts.push(JSON.stringify(history.state), String(history.length));
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i++) parts.push(store.key(i), store.getItem(store.key(i)));
    }
    for (const entry of performance.getEntries()) parts.push(entry.name);
    parts.push(JSON.stringify(window.__wp));
    // Same-origin frames only: the widget frame is cross-origin, which is the point.
    for (const frame of document.querySelectorAll("iframe")) {
      try {
        parts.push(frame.contentDocument?.documentElement?.outerHTML ?? "");
      } catch {
        parts.push("(cross-origin frame)");
      }
    }
    return parts.join("\n");
  });
}

test("no PAN, expiry or name reaches the host page during a successful flow", async () => {
  await withPage(env, async (page, context) => {
    const consoleLines = [];
    page.on("console", (message) => consoleLines.push(message.text()));
    const urls = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && urls.push(frame.url()));
    await page.goto(`${env.sandbox.origins.host}/gift`);
    await page.locator("#login").click();
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await confirmInWallet(popup);
    const success = await waitForEvent(page, "success");
    assert.equal(success.detail.last4, PAN.slice(-4));

    const observed = await hostObservable(page);
    const record = await page.evaluate(() => window.__wp);
    assert.ok(record.messages.length > 3, "the instrumentation saw the frame's messages");
    assert.ok(record.events.some((e) => e.name === "success"), "and the events");
    for (const message of record.messages) {
      assert.equal(message.origin, env.sandbox.origins.widget, "only the widget origin posts to the host");
      const type = JSON.parse(message.data).type;
      assert.ok(["walletpush/frame-ready", "walletpush/event", "walletpush/size"].includes(type), type);
      assert.doesNotMatch(message.data, /jwe|eyJ[\w-]{10,}\.\.[\w-]/, "no JWE is posted to the host");
    }
    const everything = [observed, ...consoleLines, ...urls, page.url()].join("\n");
    for (const secret of SECRETS) {
      assert.equal(everything.includes(secret), false, `the host page could read ${JSON.stringify(secret)}`);
    }
    // The check can fail: the card's last 4 digits are there, as they should be.
    assert.ok(everything.includes(success.detail.last4));
    // The binding cookie is in the browser, for the widget origin's requests only: no host
    // script reads it.
    const jar = await context.cookies(env.sandbox.origins.widget + "/walletpush/");
    const cookie = jar.find((c) => c.name === "walletpush_binding");
    assert.ok(cookie, "the portal set the binding cookie");
    assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path], [true, "Strict", "/walletpush/"]);
    assert.equal(everything.includes(cookie.value), false, "the host page could read the binding cookie");
  });
});
