// Embedding: the custom element, mount() twice on one element, the shim's origin checks, and
// the host page's CSP (no inline script or style is needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { useSandbox, withPage } from "../support/e2e.mjs";
import { embed, waitForEvent, events, widgetFrame } from "../support/browser.mjs";

const env = useSandbox();

test("mounting twice on one element gives one widget and one controller", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    const same = await page.evaluate((h) => {
      const el = document.getElementById("widget");
      return window.WalletPush.mount(el, { handle: h, wallets: "sandbox" }) === window.__controller;
    }, handle);
    assert.equal(same, true);
    await waitForEvent(page, "ready");
    assert.equal(await page.evaluate(() => document.getElementById("widget").shadowRoot.querySelectorAll("iframe").length), 1);
    assert.equal(page.frames().filter((f) => f.url().includes("/frame.html")).length, 1);
  });
});

test("<wallet-push-button> from markup, with callbacks and the result promise via mount()", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await page.goto(`${env.sandbox.origins.host}/__sandbox/embed`);
    await page.evaluate((h) => {
      const el = document.createElement("wallet-push-button");
      el.setAttribute("handle", h);
      el.setAttribute("wallets", "sandbox");
      el.setAttribute("locale", "fr");
      document.body.append(el);
    }, handle);
    await waitForEvent(page, "ready");
    const label = await widgetFrame(page).locator("button.wallet .label").innerText();
    assert.equal(label, "Ajouter à Sandbox Wallet");
    await page.evaluate(() => document.querySelector("wallet-push-button").setAttribute("locale", "de"));
    // Each language but English is its own module, loaded when a page asks for it.
    await widgetFrame(page).locator("button.wallet .label", { hasText: "Zu Sandbox Wallet hinzufügen" }).waitFor({ timeout: 5000 });
  });
});

test("the host page's CSP is enough: no violation while loading and rendering", async () => {
  await withPage(env, async (page) => {
    const violations = [];
    page.on("console", (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    await page.goto(`${env.sandbox.origins.host}/gift`);
    await page.locator("#login").click();
    await waitForEvent(page, "ready");
    const csp = (await fetch(`${env.sandbox.origins.host}/gift`)).headers.get("content-security-policy");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.deepEqual(violations, []);
    assert.equal(await page.evaluate(() => document.querySelectorAll("[style]").length), 0, "no inline style attribute");
  });
});

test("the shim ignores messages from other origins and other windows", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const count = (await events(page)).length;
    // A forged event from the host's own origin (e.g. an ad script) is not relayed.
    await page.evaluate(() => window.postMessage({ type: "walletpush/event", name: "success", detail: { last4: "0000" } }, "*"));
    await page.waitForTimeout(200);
    assert.equal((await events(page)).length, count);
  });
});

test("a keyboard user can reach and press the button", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const button = widgetFrame(page).locator("button.wallet").first();
    assert.match(await button.getAttribute("aria-label"), /ending \d{4}/);
    await button.focus();
    const popup = context.waitForEvent("page");
    await page.keyboard.press("Enter");
    await (await popup).close();
    await waitForEvent(page, "cancel");
  });
});

test("a host page cannot point the frame at another wallet or issuer API", async () => {
  await withPage(env, async (page, context) => {
    // The configuration comes from the widget origin (inline in frame.html); whatever the host
    // puts into the frame's URL or its messages is no configuration.
    const rogue = "http://127.0.0.1:9";
    const requested = [];
    context.on("request", (r) => requested.push(r.url()));
    const { handle } = await env.sandbox.mintHandle({});
    await page.goto(`${env.sandbox.origins.host}/__sandbox/embed`);
    const seen = await page.evaluate(async ({ widget, handle, rogue }) => {
      const rogueConfig = {
        issuer_api: rogue,
        wallets: { sandbox: { discovery: `${rogue}/.well-known/walletpush.json` }, rogue: { discovery: `${rogue}/w.json` } },
      };
      const query = new URLSearchParams({
        host: location.origin, locale: "en", wallets: "sandbox rogue", config: JSON.stringify(rogueConfig), issuer_api: rogue,
      });
      const frame = document.createElement("iframe");
      frame.src = `${widget}/frame.html?${query}`;
      const events = [];
      const done = new Promise((resolve) => {
        window.addEventListener("message", (e) => {
          if (e.source !== frame.contentWindow) return;
          if (e.data.type === "walletpush/frame-ready") {
            frame.contentWindow.postMessage({
              type: "walletpush/init", handle, wallets: ["sandbox", "rogue"], locale: "en", mode: "popup",
              config: rogueConfig, issuer_api: rogue, wallet: rogueConfig.wallets.sandbox,
            }, widget);
          } else if (e.data.type === "walletpush/event") {
            events.push({ name: e.data.name, detail: e.data.detail });
            if (e.data.name === "ready" || e.data.name === "error") resolve();
          }
        });
      });
      document.body.append(frame);
      await done;
      return events;
    }, { widget: env.sandbox.origins.widget, handle, rogue });
    const ready = seen.find((e) => e.name === "ready");
    assert.ok(ready, JSON.stringify(seen));
    assert.deepEqual(ready.detail.wallets, ["sandbox"]);
    assert.deepEqual(seen.find((e) => e.name === "unavailable")?.detail, { wallet: "rogue", cause: "not-allowed-by-handle" });
    assert.deepEqual(requested.filter((u) => u.startsWith(rogue)), [], "nothing fetched from the host's origin of choice");
    assert.ok(requested.includes(`${env.sandbox.origins.wallet}/.well-known/walletpush.json`), "the configured wallet's document");
    assert.ok(!requested.some((u) => u.includes("/walletpush/v1/config")), "the configuration came with frame.html");
  });
});

test("the shim and the frame mark their start-up milestones in order (bench/cold-start.mjs reads them)", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const marks = (p) => p.evaluate(() => performance.getEntriesByType("mark")
      .filter((m) => m.name.startsWith("walletpush:start:"))
      .map((m) => m.name.slice("walletpush:start:".length)));
    const host = await marks(page);
    assert.deepEqual(host, ["shim", "mount", "frame-inserted", "frame-ready", "ready"]);
    const frame = await marks(page.frames().find((f) => f.url().includes("/frame.html")));
    for (const [before, after] of [["frame", "init"], ["wasm", "widget-made"], ["widget-made", "loaded:sandbox"], ["init", "ready"], ["loaded:sandbox", "ready"]]) {
      assert.ok(frame.includes(before) && frame.indexOf(before) < frame.indexOf(after), `${before} before ${after}: ${frame}`);
    }
  });
});

test("the handle can arrive before the frame's script runs: the frame page keeps it and the frame takes it", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    // frame.js held back until the host's answer to the frame page's early frame-ready is in.
    let release;
    const answered = new Promise((resolve) => (release = resolve));
    await context.route(`${env.sandbox.origins.widget}/frame.js`, async (route) => {
      await answered;
      await route.continue();
    });
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await page.waitForFunction(() => performance.getEntriesByName("walletpush:start:frame-ready").length > 0);
    const frame = () => page.frames().find((f) => f.url().includes("/frame.html"));
    await frame().waitForFunction(() => window.walletpushInbox?.length === 1);
    release();
    const ready = await waitForEvent(page, "ready");
    assert.deepEqual(ready.detail.wallets, ["sandbox"]);
    assert.equal(await frame().evaluate(() => window.walletpushInbox), null, "taken once");
  });
});

test("a host page whose origin the widget does not allow gets CONFIG_INVALID naming that origin", async () => {
  const { handle } = await env.sandbox.mintHandle({});
  // A page on an origin of its own (not the sandbox's host origin, the only one its frame's
  // frame-ancestors names), served from loopback as a developer's own page would be.
  const page = `<!doctype html><html lang="en"><body><div id="w"></div>
<script src="${env.sandbox.origins.widget}/walletpush.js"></script>
<script>
  window.seen = [];
  const controller = WalletPush.mount(document.getElementById("w"), {
    handle: ${JSON.stringify(handle)}, onError: (d) => window.seen.push(d) });
  const started = performance.now();
  controller.result.then((r) => { window.outcome = r; window.settledAfter = performance.now() - started; });
</script></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    await withPage(env, async (p) => {
      await p.goto(`${origin}/`);
      await p.waitForFunction(() => window.outcome, null, { timeout: 25_000 });
      const { outcome, seen, settledAfter } = await p.evaluate(() => ({ outcome: window.outcome, seen: window.seen, settledAfter: window.settledAfter }));
      assert.equal(outcome.status, "error");
      assert.equal(outcome.code, "CONFIG_INVALID");
      assert.equal(outcome.retryable, false);
      assert.ok(outcome.message.includes(`allow ${origin}`), outcome.message);
      assert.match(outcome.message, /frame-ancestors/);
      assert.equal(seen.length, 1, "one error event");
      assert.ok(settledAfter < 10_000, `settled after ${settledAfter} ms`);
    });
  } finally {
    server.close();
  }
});

test("update() keeps the callbacks given to mount()", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    await page.goto(`${env.sandbox.origins.host}/__sandbox/embed`);
    await page.waitForFunction(() => window.WalletPush && window.WalletPush.version);
    await page.evaluate((h) => {
      window.clicks = [];
      const el = document.createElement("div");
      document.body.append(el);
      window.__controller = window.WalletPush.mount(el, { handle: h, onClick: (d) => window.clicks.push(d.wallet) });
    }, handle);
    await waitForEvent(page, "ready");
    await page.evaluate(() => window.__controller.update({ locale: "fr" }));
    await widgetFrame(page).locator("button.wallet .label", { hasText: "Ajouter" }).waitFor();
    const popup = context.waitForEvent("page");
    await widgetFrame(page).locator("button.wallet").click();
    await (await popup).close();
    await waitForEvent(page, "click");
    assert.deepEqual(await page.evaluate(() => window.clicks), ["sandbox"]);
  });
});
