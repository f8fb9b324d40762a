// The Google Wallet, Apple Wallet and Token Connect adapters, end to end in headless Chromium:
// the real sandbox (issuer API, adapter origin) and stand-ins of the wallets' scripts and pages
// served from their own origin (tests/fixtures/wallets/). For each: success, user cancel,
// failure, timeout, a script that fails to load, and the issuer's refusals; for Apple, every
// result code. Google's and Apple's scripts run in the adapter frame (adapter.html on the
// adapter origin, nested in the widget frame), never on the widget origin.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { withPage } from "../support/e2e.mjs";
import { useAdapterSandbox } from "../support/wallets.mjs";
import { embed, waitForEvent, events, widgetFrame } from "../support/browser.mjs";
import { peekJws, verifyEs256 } from "../sandbox/support.mjs";
import { filesFor, widgetSizes } from "../../scripts/sizes.mjs";

const env = useAdapterSandbox();

/** Apple's origins by environment, as processors' guides and integrators' code give them. */
const APPLE_ORIGINS = { production: "https://apple-pay.apple.com", certification: "https://apple-pay-cert.apple.com" };

/**
 * Serves Apple's two origins from the stand-ins (tests/fixtures/wallets/apple/navweb/), so that
 * Apple's window runs under the very origin the adapter passes as `domain`.
 */
async function routeAppleOrigins(context) {
  await context.route(/^https:\/\/apple-pay(-cert)?\.apple\.com\/navweb\//, async (route) => {
    const response = await fetch(`${env.standIns.origin}/apple${new URL(route.request().url()).pathname}`);
    await route.fulfill({ status: response.status, contentType: response.headers.get("content-type") ?? "text/plain", body: Buffer.from(await response.arrayBuffer()) });
  });
}

/**
 * The deployment's configuration (the data block of frame.html) with `patch` merged into each
 * named wallet's entry: settings the sandbox has no flag for. The widget frame's page is served
 * as it is (a page a route fulfils has no address, and the adapter frame it nests would then be
 * a local network request from a public page); its JSON.parse merges the patch as the frame
 * reads the block.
 */
async function patchConfig(context, patch) {
  await context.addInitScript(([widget, patch]) => {
    if (location.origin !== widget) return;
    const parse = JSON.parse;
    JSON.parse = function (text, ...rest) {
      const value = parse.call(this, text, ...rest);
      if (value && typeof value.issuer_api === "string" && value.wallets) {
        for (const [id, fields] of Object.entries(patch)) value.wallets[id] = { ...value.wallets[id], ...fields };
      }
      return value;
    };
  }, [env.sandbox.origins.widget, patch]);
}

/** Mounts a widget for `wallets` with a fresh handle allowing them; waits for ready. */
async function mounted(page, wallets, { claims = {}, options = {}, ready = true, apple = null, google = null, patch: more = {} } = {}) {
  await routeAppleOrigins(page.context());
  const patch = { ...(apple && { apple }), ...(google && { google }), ...more };
  if (Object.keys(patch).length) await patchConfig(page.context(), patch);
  const minted = await env.sandbox.mintHandle({ wallets: ["sandbox", "google", "apple", "token-connect"], ...claims });
  await embed(page, env.sandbox, { handle: minted.handle, wallets, ...options });
  if (ready) await waitForEvent(page, "ready");
  return minted;
}

/** Resolves once `win` is closed (it may be already). */
async function closed(win) {
  for (let i = 0; i < 100 && !win.isClosed(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(win.isClosed(), "the wallet's window closed");
}

/** Wallets whose button is in a nested adapter frame (docs/design.md §4). */
const NESTED = new Set(["google", "apple"]);

/** The adapter frame of `wallet` (Google's, Apple's) inside the widget frame. */
function adapterFrame(page, wallet) {
  return widgetFrame(page).frameLocator(`iframe.adapter[data-wallet="${wallet}"]`);
}

function button(page, wallet) {
  const frame = NESTED.has(wallet) ? adapterFrame(page, wallet) : widgetFrame(page);
  return frame.locator(`button.wallet[data-wallet="${wallet}"]`);
}

/** The Playwright frame of `wallet`'s adapter frame, to evaluate in (its page's globals). */
async function adapterWindow(page, wallet) {
  await button(page, wallet).waitFor({ state: "attached" });
  const adapters = env.sandbox.origins.adapters;
  const frame = page.frames().find((f) => f.url().startsWith(`${adapters}/adapter.html?wallet=${wallet}`));
  assert.ok(frame, `the adapter frame of ${wallet}`);
  return frame;
}

/** POSTs of the credentials endpoint (not their CORS preflights). */
function isCredentialsPost(r) {
  return r.url().endsWith("/walletpush/v1/credentials") && r.method() === "POST";
}

async function clickAndWaitForWindow(page, context, wallet) {
  const opened = context.waitForEvent("page");
  await button(page, wallet).click();
  const win = await opened;
  await win.waitForLoadState("domcontentloaded");
  return win;
}

async function issuerKey(kid) {
  const { keys } = await (await fetch(`${env.sandbox.origins.widget}/walletpush/v1/jwks`)).json();
  return keys.find((k) => k.kid === kid);
}

/** Verifies a compact issuer JWS and returns its claims. */
async function verified(compact) {
  const { header, payload } = peekJws(compact);
  assert.ok(await verifyEs256(compact, await issuerKey(header.kid)), "signed by the issuer");
  return { header, payload };
}

/** What the host page could see holds none of `secrets`. */
async function assertHostSawNone(page, secrets) {
  const seen = JSON.stringify(await page.evaluate(() => window.__wp));
  for (const s of secrets) assert.ok(!seen.includes(s), "the host page saw a credential");
}

/** URLs the page fetched from `origin` (paths). */
function widgetRequests(context, origin) {
  const paths = [];
  context.on("request", (r) => new URL(r.url()).origin === origin && paths.push(new URL(r.url()).pathname));
  return paths;
}

describe("google", () => {
  test("success: hl as Google writes it, session, OPCs bound to it, pushed unchanged, success event; no Wasm, no other adapter", async () => {
    await withPage(env, async (page, context) => {
      const paths = widgetRequests(context, env.sandbox.origins.widget);
      const adapterPaths = widgetRequests(context, env.sandbox.origins.adapters);
      const { last4, jti } = await mounted(page, "google", { options: { locale: "fr" } });
      assert.equal(await button(page, "google").locator(".label").innerText(), "Ajouter à Google Wallet");
      const win = await clickAndWaitForWindow(page, context, "google");
      const params = await win.evaluate(() => window.__params);
      const opened = await waitForEvent(page, "progress");
      assert.equal(params.clientSessionId, opened.detail.cid, "clientSessionId is our correlation id");
      assert.deepEqual([params.integratorId, params.isTestEnvironment, params.hl], ["sandbox-integrator", "true", "fr-FR"]);
      assert.deepEqual([params.tokenSetting, params.cardSetting], ["1", "1"]);

      await win.locator("#signin").click();
      await win.waitForFunction(() => window.__received);
      const { session, received } = await win.evaluate(() => ({ session: window.__session, received: window.__received }));
      assert.deepEqual(Object.keys(received).sort(), ["google_opc", "tsp_opc"], "the issuer's answer, keys unchanged");
      for (const [field, target] of [["google_opc", "google"], ["tsp_opc", "tsp"]]) {
        const { header, payload } = await verified(Buffer.from(received[field], "base64url").toString());
        assert.equal(header.typ, "walletpush-google-opc+jwt");
        assert.equal(payload.target, target);
        assert.equal(payload.server_session_id, session.serverSessionId);
        assert.equal(payload.public_device_id, session.publicDeviceId);
        assert.equal(payload.public_wallet_id, session.publicWalletId);
        assert.equal(payload.hid, jti, "bound to the handle");
        assert.equal(payload.cid, opened.detail.cid);
      }
      await win.locator("#confirm").click();
      const success = await waitForEvent(page, "success");
      assert.equal(success.detail.wallet, "google");
      assert.equal(success.detail.last4, last4);
      assert.equal(success.detail.cid, opened.detail.cid);
      assert.equal(success.detail.token_ref, undefined, "Google gives no token reference");
      assert.equal(await button(page, "google").getAttribute("data-state"), "added");
      await assertHostSawNone(page, [received.google_opc, received.tsp_opc]);
      assert.ok(paths.includes("/adapters/nested.js"));
      for (const other of ["/adapters/walletpush.js", "/adapters/google.js", "/adapters/apple.js", "/adapters/token-connect.js"]) {
        assert.ok(!paths.includes(other), `${other} not fetched from the widget origin`);
      }
      assert.ok(!paths.some((p) => p.startsWith("/pkg/")), "no Wasm for a Google-only page");
      assert.deepEqual([...new Set(adapterPaths)].sort(), ["/adapter.css", "/adapter.html", "/adapter.js", "/adapters/google.js"], "the adapter origin: the adapter frame and Google's adapter, no other");
    });
  });

  for (const [how, setup] of [
    ["Google forces it (no Android device)", { signin: "#signin-no-device" }],
    ["the issuer configures it", { signin: "#signin", google: { token_setting: 0 } }],
  ]) {
    test(`tokenSetting 0, ${how}: a normal outcome; no device or wallet ids asked for, only Google's OPC pushed`, async () => {
      await withPage(env, async (page, context) => {
        const bodies = [];
        context.on("request", (r) => isCredentialsPost(r) && bodies.push(JSON.parse(r.postData())));
        const { last4, jti } = await mounted(page, "google", { google: setup.google });
        const win = await clickAndWaitForWindow(page, context, "google");
        assert.equal((await win.evaluate(() => window.__params)).tokenSetting, setup.google ? "0" : "1");
        await win.locator(setup.signin).click();
        await win.waitForFunction(() => window.__received);
        assert.equal(bodies.length, 1);
        const { handle, ...request } = bodies[0];
        assert.ok(handle);
        assert.deepEqual(Object.keys(request).sort(), ["card_setting", "server_session_id", "token_setting", "wallet"]);
        assert.deepEqual([request.wallet, request.token_setting, request.card_setting], ["google", 0, 1]);
        const { session, received } = await win.evaluate(() => ({ session: window.__session, received: window.__received }));
        assert.equal(request.server_session_id, session.serverSessionId);
        assert.deepEqual(Object.keys(received), ["google_opc"], "no TSP OPC without a device");
        const { payload } = await verified(Buffer.from(received.google_opc, "base64url").toString());
        assert.deepEqual([payload.target, payload.server_session_id, payload.public_device_id, payload.hid], ["google", session.serverSessionId, null, jti]);
        await win.locator("#confirm").click();
        const success = await waitForEvent(page, "success");
        assert.deepEqual([success.detail.wallet, success.detail.last4], ["google", last4]);
      });
    });
  }

  test("hl: each of the frame's languages in the form Google uses", async () => {
    const { googleLocale } = await import("../../www/adapters/google.js");
    const expected = { en: "en-US", fr: "fr-FR", de: "de-DE", es: "es-ES", it: "it-IT", nl: "nl-NL", pt: "pt-BR", pl: "pl-PL", ja: "ja-JP", ar: "ar-SA", "fr-CA": "fr-CA" };
    for (const [locale, hl] of Object.entries(expected)) assert.equal(googleLocale(locale), hl, locale);
  });

  test("user cancel: the user closes Google's window", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "google");
      const win = await clickAndWaitForWindow(page, context, "google");
      await win.close();
      const cancel = await waitForEvent(page, "cancel");
      assert.deepEqual([cancel.detail.wallet, cancel.detail.code], ["google", "USER_CANCELLED"]);
      assert.equal(await button(page, "google").isDisabled(), false);
    });
  });

  test("failure: Google's onFailure is WALLET_REJECTED, with Google's errors[0].errorCode; onFinish after it changes nothing", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "google");
      const win = await clickAndWaitForWindow(page, context, "google");
      await win.locator("#signin").click();
      await win.waitForFunction(() => window.__received);
      await win.locator("#fail").click();
      const error = await waitForEvent(page, "error");
      assert.deepEqual([error.detail.wallet, error.detail.code, error.detail.retryable], ["google", "WALLET_REJECTED", false]);
      assert.match(error.detail.message, /INVALID_OPC/);
      await closed(win);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual((await events(page)).filter((e) => ["success", "cancel", "error"].includes(e.name)).length, 1, "one outcome");
    });
  });

  test("timeout: Google's window never answers", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "google", { options: { timeouts: { wallet: 1000 } } });
      await clickAndWaitForWindow(page, context, "google");
      const error = await waitForEvent(page, "error");
      assert.deepEqual([error.detail.code, error.detail.retryable], ["TIMEOUT", true]);
    });
  });

  test("the issuer API refuses a used handle: HANDLE_REPLAYED, nothing pushed", async () => {
    await withPage(env, async (page, context) => {
      const { handle, binding } = await env.sandbox.mintHandle({ wallets: ["google"] });
      // Redeemed already, as the adapter frame would: its Origin, the binding cookie.
      const redeemed = await fetch(`${env.sandbox.origins.widget}/walletpush/v1/credentials`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: env.sandbox.origins.adapters, cookie: `walletpush_binding=${binding}` },
        body: JSON.stringify({ handle, wallet: "google", server_session_id: "s", public_device_id: "d", public_wallet_id: "w" }),
      });
      assert.equal(redeemed.status, 200);
      await embed(page, env.sandbox, { handle, wallets: "google" });
      await waitForEvent(page, "ready");
      const win = await clickAndWaitForWindow(page, context, "google");
      await win.locator("#signin").click();
      const error = await waitForEvent(page, "error");
      assert.equal(error.detail.code, "HANDLE_REPLAYED");
      assert.equal(await win.evaluate(() => window.__received), null, "nothing pushed to Google");
    });
  });

  test("Google's script fails to load, or lacks its entry function: unavailable, no button", async () => {
    for (const [cause, handler] of [
      ["script-failed", (route) => route.abort("connectionrefused")],
      ["entry-missing", (route) => route.fulfill({ status: 200, contentType: "text/javascript", body: "// nothing\n" })],
    ]) {
      await withPage(env, async (page, context) => {
        await context.route("**/google/integration.min.js", handler);
        await mounted(page, "google sandbox");
        const unavailable = await waitForEvent(page, "unavailable");
        assert.deepEqual(unavailable.detail, { wallet: "google", cause });
        assert.equal(await button(page, "google").count(), 0);
        assert.equal(await button(page, "sandbox").count(), 1, "the other wallets still work");
      });
    }
  });
});

describe("apple", () => {
  /** Clicks Apple's button, waits until Apple's window holds the JWS; returns the window. */
  async function openWithJws(page, context) {
    const win = await clickAndWaitForWindow(page, context, "apple");
    await win.waitForFunction(() => window.__received);
    return win;
  }

  for (const environment of ["certification", "production"]) {
    test(`${environment}: Apple's window under ${APPLE_ORIGINS[environment]}, the flattened JWS passed unchanged; the button hides`, async () => {
      await withPage(env, async (page, context) => {
        const { last4, jti } = await mounted(page, "apple", { apple: { environment } });
        const win = await openWithJws(page, context);
        assert.equal(await win.evaluate(() => window.__origin), APPLE_ORIGINS[environment], "opened under domain");
        const params = await win.evaluate(() => window.__params);
        assert.equal(params.partnerId, "sandbox-partner");
        assert.equal(await win.evaluate(() => window.__openerOrigin), env.sandbox.origins.adapters, "the script in the adapter frame answered");
        const { jws, state } = await win.evaluate(() => window.__received);
        assert.deepEqual(Object.keys(jws).sort(), ["header", "payload", "protected", "signature"]);
        const { header, payload } = await verified(`${jws.protected}.${jws.payload}.${jws.signature}`);
        assert.equal(header.alg, "ES256");
        assert.equal(header.typ, "JOSE+JSON");
        assert.equal(header.cty, "application/credential;charset=utf-8");
        assert.equal(jws.header.kid, header.kid);
        assert.deepEqual([payload.aud, payload.sub, payload.iss], ["Apple", "provisioningTarget", "sandbox-bank"]);
        assert.equal(payload.state, state);
        assert.equal(payload.hid, jti);
        assert.ok(payload.exp > Date.now() / 1000);
        await win.locator('button[data-status="200"]').click();
        const success = await waitForEvent(page, "success");
        assert.deepEqual([success.detail.wallet, success.detail.last4], ["apple", last4]);
        await button(page, "apple").waitFor({ state: "hidden" });
        await assertHostSawNone(page, [jws.signature]);
      });
    });
  }

  test("the script drops messages from any origin but domain: a window under another origin never gets the JWS", async () => {
    await withPage(env, async (page, context) => {
      // Apple's certification window, while the deployment says production: the script ignores
      // its "ready", so no JWS is handed over, and the attempt ends in our timeout.
      await mounted(page, "apple", { apple: { environment: "production" }, options: { timeouts: { wallet: 1500 } } });
      await context.route(`${APPLE_ORIGINS.production}/navweb/static/index.html*`, (route) =>
        route.fulfill({ status: 302, headers: { location: route.request().url().replace(APPLE_ORIGINS.production, APPLE_ORIGINS.certification) } }));
      const win = await clickAndWaitForWindow(page, context, "apple");
      await win.waitForURL(`${APPLE_ORIGINS.certification}/navweb/**`);
      await win.waitForFunction(() => document.readyState === "complete");
      const error = await waitForEvent(page, "error");
      assert.equal(error.detail.code, "TIMEOUT");
      assert.equal(await win.evaluate(() => window.__received), null, "no JWS reached a window under another origin");
    });
  });

  test("each of Apple's result statuses (strings) maps to our event and code", async () => {
    const expected = {
      202: ["success"],
      206: ["success"],
      400: ["error", "CONFIG_INVALID"],
      40101: ["error", "WALLET_UNAVAILABLE"],
      408: ["error", "TIMEOUT"],
      500: ["error", "WALLET_REJECTED"],
    };
    for (const [status, [name, code]] of Object.entries(expected)) {
      await withPage(env, async (page, context) => {
        await mounted(page, "apple");
        const win = await openWithJws(page, context);
        await win.locator(`button[data-status="${status}"]`).click();
        const outcome = await page.waitForFunction(() => window.__wp.events.find((e) => ["success", "cancel", "error"].includes(e.name)));
        const event = await outcome.jsonValue();
        assert.equal(event.name, name, `status ${status}`);
        if (code) assert.equal(event.detail.code, code, `status ${status}`);
        assert.equal(event.detail.wallet, "apple");
        if (name === "success") await button(page, "apple").waitFor({ state: "hidden" });
        else assert.equal(await button(page, "apple").isVisible(), true, `status ${status}: button stays`);
      });
    }
  });

  test("400 before the JWS was asked for is the browser's popup blocker: POPUP_BLOCKED", async () => {
    await withPage(env, async (page) => {
      await mounted(page, "apple");
      await (await adapterWindow(page, "apple")).evaluate(() => {
        window.open = () => null;
      });
      await button(page, "apple").click();
      const error = await waitForEvent(page, "error");
      assert.deepEqual([error.detail.code, error.detail.retryable], ["POPUP_BLOCKED", true]);
    });
  });

  test("user cancel: the user closes Apple's window (444)", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "apple");
      const win = await openWithJws(page, context);
      await win.close();
      const cancel = await waitForEvent(page, "cancel");
      assert.deepEqual([cancel.detail.wallet, cancel.detail.code], ["apple", "USER_CANCELLED"]);
    });
  });

  test("jwsResolver is called at the click: the issuer API is asked before Apple's window is ready", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "apple");
      // Apple's window never loads: the JWS is asked for anyway, within Apple's 20 s.
      await context.route(`${APPLE_ORIGINS.certification}/navweb/static/popup.js`, () => {});
      const asked = page.waitForRequest(isCredentialsPost);
      await button(page, "apple").click();
      await asked;
      await waitForEvent(page, "progress", { skip: 1 });
      const steps = (await events(page)).filter((e) => e.name === "progress").map((e) => e.detail.step);
      assert.deepEqual(steps, ["wallet-opened", "handed-off"]);
    });
  });

  test("timeout: the issuer API does not answer within our share of Apple's 20 s", async () => {
    await env.sandbox.fault("credentials", "hang");
    await withPage(env, async (page, context) => {
      await mounted(page, "apple", { options: { timeouts: { issuer: 1000 } } });
      const win = await clickAndWaitForWindow(page, context, "apple");
      const error = await waitForEvent(page, "error");
      assert.equal(error.detail.code, "TIMEOUT");
      // Apple's window was told (jwtGenerationUnsuccessful) and closes.
      await closed(win);
    });
  });

  test("a handle that does not allow Apple: unavailable, and Apple's script is not loaded", async () => {
    // (The issuer API's own refusal, ISSUER_REJECTED, is in tests/sandbox/wallets.test.mjs: the
    // frame never shows a button the handle does not allow, so no click can reach it.)
    await withPage(env, async (page) => {
      const before = env.standIns.requests.length;
      await mounted(page, "apple sandbox", { claims: { wallets: ["sandbox"] } });
      const unavailable = await waitForEvent(page, "unavailable");
      assert.deepEqual(unavailable.detail, { wallet: "apple", cause: "not-allowed-by-handle" });
      assert.ok(!env.standIns.requests.slice(before).includes("/apple/initAddToAppleWallet.js"));
    });
  });

  test("a signature the issuer refuses: HANDLE_INVALID, and Apple's window is told", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "apple", { claims: { signer: "rogue" } });
      const win = await clickAndWaitForWindow(page, context, "apple");
      const error = await waitForEvent(page, "error");
      assert.equal(error.detail.code, "HANDLE_INVALID");
      await closed(win);
    });
  });

  test("Apple's script fails to load, or refuses the configuration at init: unavailable, no button", async () => {
    for (const [cause, handler] of [
      ["script-failed", (route) => route.fulfill({ status: 404, body: "" })],
      // As Apple's script does for a configuration it refuses: a 400 during init.
      ["init-failed", (route) => route.fulfill({ status: 200, contentType: "text/javascript", body: "window.initAddToAppleWallet = (c) => c.resultResolver({ status: '400' });" })],
      ["unknown-environment", null],
    ]) {
      await withPage(env, async (page, context) => {
        if (handler) await context.route("**/apple/initAddToAppleWallet.js", handler);
        await mounted(page, "apple", { ready: false, apple: handler ? {} : { environment: "staging" } });
        const unavailable = await waitForEvent(page, "unavailable");
        assert.deepEqual(unavailable.detail, { wallet: "apple", cause: handler ? cause : "init-failed" });
        assert.equal(await button(page, "apple").count(), 0);
      });
    }
  });

  test("one init per button: Apple's script throws on a second init of the same button; the first binding still works", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "apple");
      const first = await button(page, "apple").evaluate((b) => b.getAttribute("data-initialized"));
      assert.equal(first, "1");
      const again = await (await adapterWindow(page, "apple")).evaluate((id) => {
        try {
          window.initAddToAppleWallet({ partnerId: "p", domain: "https://apple-pay-cert.apple.com", buttonId: id, jwsResolver: async () => ({}), resultResolver: () => {} });
          return "bound";
        } catch (error) {
          return error.message;
        }
      }, await button(page, "apple").getAttribute("id"));
      assert.match(again, /already been invoked/);
      await openWithJws(page, context);
    });
  });

  test("a browser Apple does not support: unavailable before any script loads", async () => {
    const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    await withPage(env, async (page) => {
      const before = env.standIns.requests.length;
      await mounted(page, "apple sandbox");
      const unavailable = await waitForEvent(page, "unavailable");
      assert.deepEqual(unavailable.detail, { wallet: "apple", cause: "browser-not-supported" });
      assert.ok(!env.standIns.requests.slice(before).includes("/apple/initAddToAppleWallet.js"), "Apple's script not loaded");
    }, { userAgent: firefox });
  });
});

describe("token-connect", () => {
  /** Clicks, lands on the requestor's page, and returns what it received. */
  async function toRequestor(page) {
    await button(page, "token-connect").click();
    await page.waitForURL(`${env.standIns.origin}/token-connect/**`);
    return page.evaluate(() => window.__received);
  }

  /** Back on the host page: mounts a fresh widget, whose ready releases the result. */
  async function backOnHost(page) {
    await page.waitForURL(`${env.sandbox.origins.host}/__sandbox/embed*`);
    const fresh = await env.sandbox.mintHandle({ wallets: ["token-connect"] });
    await embed(page, env.sandbox, { handle: fresh.handle, wallets: "token-connect" }, { navigate: false });
  }

  test("success: receipt to the requestor, back to the host page with the result", async () => {
    await withPage(env, async (page) => {
      const { last4, jti } = await mounted(page, "token-connect");
      const received = await toRequestor(page);
      // The callback is the issuer's return endpoint, naming the host page; nothing of the card.
      const callback = new URL(received.data.callbackURL);
      assert.equal(`${callback.origin}${callback.pathname}`, `${env.sandbox.origins.widget}/walletpush/v1/token-connect/return`);
      assert.deepEqual(Object.fromEntries(callback.searchParams),
        { to: `${env.sandbox.origins.host}/__sandbox/embed`, wallet: "token-connect", cid: received.data.cid });
      assert.match(received.data.cid, /^[\w-]{22}$/);
      const { header, payload } = await verified(received.data.pushAccountReceipts[0]);
      assert.equal(header.typ, "walletpush-push-receipt+jwt");
      assert.deepEqual([payload.token_requestor, payload.hid, payload.last4], ["50123197928", jti, last4]);
      assert.equal(payload.exp - payload.iat, 15 * 60, "MDES's default validity");
      // MDES's signature (the sandbox's stand-in) reaches the requestor unaltered, over these receipts.
      const signature = await verified(received.data.signature);
      assert.equal(signature.header.typ, "walletpush-mdes-signature+jwt");
      assert.deepEqual(signature.payload.pushAccountReceipts, received.data.pushAccountReceipts);
      await page.locator("#approve").click();
      await backOnHost(page);
      const success = await waitForEvent(page, "success");
      // The requestor's result is unsigned and names no token: a success to confirm server-side.
      assert.deepEqual(success.detail, { wallet: "token-connect", verified: false, cid: received.data.cid });
      assert.ok(last4, "the card's last digits came with ready");
      assert.equal(new URL(page.url()).hash, "", "fragment cleared");
    });
  });

  test("DUPLICATE_REQUEST: the requestor already holds the card; an error that says so", async () => {
    await withPage(env, async (page) => {
      await mounted(page, "token-connect");
      await toRequestor(page);
      await page.locator("#approve").click();
      await backOnHost(page);
      await waitForEvent(page, "success");
      // The same card again, on a fresh page (this widget shows it added), to the same requestor.
      await mounted(page, "token-connect");
      await button(page, "token-connect").click();
      await page.waitForURL(`${env.standIns.origin}/token-connect/**`);
      await page.locator("#approve").click();
      await backOnHost(page);
      const error = await waitForEvent(page, "error");
      assert.deepEqual([error.detail.wallet, error.detail.code, error.detail.message, error.detail.retryable],
        ["token-connect", "WALLET_REJECTED", "DUPLICATE_REQUEST", false]);
    });
  });

  test("a return to a page off the host origins is refused: no open redirect", async () => {
    await withPage(env, async (page) => {
      const url = new URL(`${env.sandbox.origins.widget}/walletpush/v1/token-connect/return`);
      url.search = new URLSearchParams({ to: "https://evil.example/", wallet: "token-connect", result: "SUCCESS" });
      const response = await page.goto(url.href);
      assert.equal(response.status(), 400);
      assert.ok(page.url().startsWith(env.sandbox.origins.widget), page.url());
    });
  });

  test("user cancel and requestor failure come back as cancel and WALLET_REJECTED", async () => {
    for (const [choice, name, code] of [["#cancel", "cancel", "USER_CANCELLED"], ["#decline", "error", "WALLET_REJECTED"]]) {
      await withPage(env, async (page) => {
        await mounted(page, "token-connect");
        await toRequestor(page);
        await page.locator(choice).click();
        await backOnHost(page);
        const event = await waitForEvent(page, name);
        assert.deepEqual([event.detail.wallet, event.detail.code], ["token-connect", code]);
      });
    }
  });

  test("two eligible requestors: one button each, with its name and icon; the user's choice is pushed and comes back", async () => {
    const icon = `data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18"><rect width="18" height="18" fill="teal"/></svg>`;
    await withPage(env, async (page) => {
      const bodies = [];
      page.context().on("request", (r) => isCredentialsPost(r) && bodies.push(JSON.parse(r.postData())));
      // The sandbox offers both (--token-connect-also); the icon, as MDES's getAsset gives it,
      // is added to the configuration here.
      const { last4, jti } = await mounted(page, "token-connect merchant-pay", {
        claims: { wallets: ["token-connect", "merchant-pay"] },
        patch: { "merchant-pay": { icon } },
      });
      const labels = await widgetFrame(page).locator("button.wallet .label").allInnerTexts();
      assert.deepEqual(labels, ["Add to Click to Pay", "Add to Merchant Pay"]);
      assert.equal(await button(page, "merchant-pay").locator("img.mark").getAttribute("src"), icon);
      assert.equal(await button(page, "merchant-pay").locator("img.mark").getAttribute("alt"), "");
      await button(page, "merchant-pay").click();
      await page.waitForURL(`${env.standIns.origin}/token-connect/**`);
      const received = await page.evaluate(() => window.__received);
      assert.deepEqual(bodies.map((b) => [b.wallet, b.token_requestor]), [["merchant-pay", "50123197929"]]);
      const { payload } = await verified(received.data.pushAccountReceipts[0]);
      assert.deepEqual([payload.token_requestor, payload.hid], ["50123197929", jti], "the receipt is for the requestor chosen");
      await page.locator("#approve").click();
      await backOnHost(page);
      const success = await waitForEvent(page, "success");
      assert.ok(last4);
      assert.deepEqual(success.detail, { wallet: "merchant-pay", verified: false, cid: received.data.cid });
    });
  });

  test("an expired receipt (MDES: 15 minutes by default) comes back as WALLET_SESSION_INVALID", async () => {
    await withPage(env, async (page, context) => {
      // The user reaches the requestor 16 minutes later: its clock runs ahead.
      await context.addInitScript((origin) => {
        if (location.origin !== origin) return;
        const now = Date.now;
        Date.now = () => now() + 16 * 60_000;
      }, env.standIns.origin);
      await mounted(page, "token-connect");
      await button(page, "token-connect").click();
      // The requestor sends the user straight back: wait for the result in the URL.
      await page.waitForURL((url) => url.hash.startsWith("#walletpush="));
      await backOnHost(page);
      const error = await waitForEvent(page, "error");
      assert.deepEqual([error.detail.wallet, error.detail.code], ["token-connect", "WALLET_SESSION_INVALID"]);
    });
  });

  test("timeout: the issuer API does not answer; the user stays on the host page", async () => {
    await env.sandbox.fault("credentials", "hang");
    await withPage(env, async (page) => {
      await mounted(page, "token-connect", { options: { timeouts: { issuer: 1000 } } });
      await button(page, "token-connect").click();
      const error = await waitForEvent(page, "error");
      assert.equal(error.detail.code, "TIMEOUT");
      assert.ok(page.url().startsWith(env.sandbox.origins.host));
    });
  });

  test("the issuer API refuses a used handle: HANDLE_REPLAYED, no navigation", async () => {
    await withPage(env, async (page) => {
      const { handle } = await env.sandbox.mintHandle({ wallets: ["token-connect"] });
      await embed(page, env.sandbox, { handle, wallets: "token-connect" });
      await waitForEvent(page, "ready");
      await toRequestor(page);
      await page.goBack();
      await embed(page, env.sandbox, { handle, wallets: "token-connect" }, { navigate: false });
      await waitForEvent(page, "ready");
      await button(page, "token-connect").click();
      const error = await waitForEvent(page, "error");
      assert.equal(error.detail.code, "HANDLE_REPLAYED");
      assert.ok(page.url().startsWith(env.sandbox.origins.host));
    });
  });
});

describe("brand buttons", () => {
  const badge = (name) => `data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><title>${name} {locale}</title></svg>`;

  test("Apple's badge and Google's button artwork in the page's language; the frame's accessible name; a click still opens the wallet", async () => {
    await withPage(env, async (page, context) => {
      await mounted(page, "apple google", { options: { locale: "fr" }, apple: { badge_url: badge("apple") }, google: { badge_url: badge("google") } });
      for (const [wallet, locale, label] of [["apple", "fr", "Ajouter à Apple Wallet"], ["google", "fr-FR", "Ajouter à Google Wallet"]]) {
        const img = button(page, wallet).locator("img");
        assert.equal(await img.getAttribute("src"), badge(wallet).replace("{locale}", locale));
        assert.equal(await img.getAttribute("alt"), "", "decorative: the button has its name");
        assert.ok((await button(page, wallet).getAttribute("aria-label")).startsWith(label));
        assert.equal(await button(page, wallet).locator(".label").count(), 0, "no text of ours on the artwork");
      }
      const win = await clickAndWaitForWindow(page, context, "apple");
      await win.waitForFunction(() => window.__received);
    });
  });
});

describe("one button, four wallets", () => {
  test("one element drives all four wallets, and the frame's CSP is enough", async () => {
    await withPage(env, async (page) => {
      const violations = [];
      page.on("console", (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
      const { handle } = await env.sandbox.mintHandle({ wallets: ["sandbox", "google", "apple", "token-connect"] });
      await page.goto(`${env.sandbox.origins.host}/__sandbox/embed`);
      await page.evaluate((h) => {
        const el = document.createElement("wallet-push-button");
        el.setAttribute("handle", h);
        el.setAttribute("wallets", "google apple token-connect sandbox");
        document.body.append(el);
      }, handle);
      const ready = await waitForEvent(page, "ready");
      assert.deepEqual(ready.detail.wallets, ["google", "apple", "token-connect", "sandbox"]);
      // Google's and Apple's buttons in their adapter frames, in the page's order.
      assert.deepEqual(await widgetFrame(page).locator("#wallets > *").evaluateAll((b) => b.map((x) => `${x.localName}:${x.dataset.wallet}`)),
        ["iframe:google", "iframe:apple", "button:token-connect", "button:sandbox"]);
      for (const wallet of ["google", "apple"]) await button(page, wallet).waitFor({ state: "visible" });
      assert.deepEqual(violations, []);
      assert.equal((await events(page)).filter((e) => e.name === "unavailable").length, 0);
    });
  });

  test("Google's and Apple's scripts run only on the adapter origin, which asks for their credentials itself", async () => {
    await withPage(env, async (page, context) => {
      const policies = {};
      context.on("response", async (r) => {
        const url = new URL(r.url());
        if (["/frame.html", "/adapter.html"].includes(url.pathname)) policies[url.pathname] = await r.headerValue("content-security-policy");
      });
      const origins = [];
      context.on("request", async (r) => isCredentialsPost(r) && origins.push(await r.headerValue("origin")));
      await mounted(page, "google apple sandbox");
      const standIns = env.standIns.origin;
      const { widget, adapters } = env.sandbox.origins;
      // The widget frame: no wallet script, none allowed; the adapter frames nested in it.
      const widgetPage = page.frames().find((f) => f.url().startsWith(`${widget}/frame.html`));
      assert.deepEqual(await widgetPage.evaluate(() => [typeof window.googlepay, typeof window.initAddToAppleWallet,
        [...document.scripts].map((s) => s.src).filter((src) => !src.startsWith(location.origin) && src !== "")]), ["undefined", "undefined", []]);
      assert.ok(!policies["/frame.html"].includes(standIns), policies["/frame.html"]);
      assert.match(policies["/frame.html"], new RegExp(`frame-src ${adapters};`));
      // The adapter frames: each wallet's script, allowed by adapter.html's policy, framed only
      // by the widget frame (and the host page it sits in).
      assert.equal(await (await adapterWindow(page, "google")).evaluate(() => typeof window.googlepay), "object");
      assert.equal(await (await adapterWindow(page, "apple")).evaluate(() => typeof window.initAddToAppleWallet), "function");
      assert.match(policies["/adapter.html"], new RegExp(`script-src 'self' ${standIns};`));
      assert.match(policies["/adapter.html"], new RegExp(`frame-ancestors ${widget} ${env.sandbox.origins.host};`));
      assert.ok(!/wasm|unsafe/.test(policies["/adapter.html"]));
      // Apple's request comes from the adapter origin.
      const win = await clickAndWaitForWindow(page, context, "apple");
      await win.waitForFunction(() => window.__received);
      assert.deepEqual(origins, [adapters]);
    });
  });

  test("bytes: a page downloads exactly the files of its wallets (scripts/sizes.mjs), one versus four", async () => {
    const cases = [
      ["google", ["google"]],
      ["apple", ["apple"]],
      ["token-connect", ["token-connect"]],
      ["sandbox", ["walletpush/1"]],
      ["google apple token-connect sandbox", ["walletpush/1", "google", "apple", "token-connect"]],
    ];
    const lines = [];
    for (const [wallets, kinds] of cases) {
      await withPage(env, async (page, context) => {
        const paths = new Set();
        context.on("request", (r) => {
          const url = new URL(r.url());
          if (url.origin === env.sandbox.origins.widget && !url.pathname.startsWith("/walletpush/v1/")) paths.add(`www/dist${url.pathname}`);
          // The adapter origin serves www/dist/adapter/.
          if (url.origin === env.sandbox.origins.adapters) paths.add(`www/dist/adapter${url.pathname}`);
        });
        await mounted(page, wallets);
        await page.waitForLoadState("networkidle");
        const expected = filesFor(kinds);
        assert.deepEqual([...paths].sort(), [...expected].sort(), wallets);
        const { total } = widgetSizes(expected);
        lines.push(`bytes for wallets="${wallets}": ${expected.length} files, ${total.raw} raw, ${total.gzip} gzip`);
      });
    }
    console.log(lines.join("\n"));
  });
});
