// Cookie tossing (docs/design.md §2): a script of the host page cannot read the HttpOnly binding
// cookie, but it can plant `walletpush_binding` cookies of its own for the shared site, at
// another path or with `Domain=`. If the backend derived `bnd` from a cookie the browser sent, or
// the issuer API picked one of several cookies, the script's own value would unlock a stolen
// handle. Each attack must give HANDLE_UNBOUND, no card data, and spend nothing.
import "../support/net.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { useSandbox, withPage, assertWalletClosed } from "../support/e2e.mjs";
import { waitForEvent, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";
import {
  assertNoCardData, bindingCookies, bndOf, claimsOf, hostObservable, plantedValue, recordContext,
  redeem, redeemRaw, signIn, stealFromPage, walletSession, BINDING_COOKIE,
} from "../support/attacks.mjs";

const env = useSandbox();

/** The script's plants: same name, the shared site's Domain, several paths, and host-only. */
async function plant(page, value) {
  const site = new URL(env.sandbox.origins.host).hostname;
  await page.evaluate(({ name, value, site }) => {
    for (const path of ["/walletpush/", "/walletpush/v1/", "/walletpush/v1/credentials", "/"]) {
      document.cookie = `${name}=${value}; Domain=${site}; Path=${path}; SameSite=Lax`;
    }
    document.cookie = `${name}=${value}; Path=/`;
  }, { name: BINDING_COOKIE, value, site });
}

/** The user clicks and signs in to the wallet: the widget asks the issuer API. */
async function userTries(page, context) {
  const popup = await clickAndOpenWallet(page, context);
  await popup.locator("#signin").click();
  return popup;
}

/** Removes the planted cookies (as the user clearing them would), keeping the backend's. */
async function removePlanted(context, planted) {
  const keep = (await context.cookies()).filter((c) => !(c.name === BINDING_COOKIE && c.value === planted));
  await context.clearCookies();
  await context.addCookies(keep);
  const left = await bindingCookies(context);
  assert.equal(left.length, 1, "one binding cookie left");
}

async function attackAndRecover(page, context, planted, record) {
  const loot = await stealFromPage(page);
  const cookies = await bindingCookies(context);
  const real = cookies.filter((c) => c.value !== planted);
  assert.equal(real.length, 1, "the backend set its own cookie");
  assert.equal(real[0].httpOnly, true);
  assert.ok(cookies.some((c) => c.value === planted), "the browser kept a planted cookie (the attack is real)");
  assert.equal(loot.cookie.includes(real[0].value), false, "the script cannot read the backend's cookie");
  for (const handle of loot.handles) {
    const { bnd } = claimsOf(handle);
    assert.notEqual(bnd, bndOf(planted), "bnd was derived from a planted cookie");
    assert.equal(bnd, bndOf(real[0].value), "bnd is the backend's secret's digest");
  }

  // The stolen handle with the planted value, from Node, as the widget origin.
  const session = await walletSession(env.sandbox);
  const handle = loot.handles.find((h) => loot.dom.includes(h));
  const stolen = await redeem(env.sandbox, { handle, wallet: "sandbox", session: session.session }, {
    origin: env.sandbox.origins.widget, cookies: [planted],
  });
  assert.equal(stolen.status, 401, stolen.text);
  assert.equal(stolen.json?.code, "HANDLE_UNBOUND");
  assert.match(stolen.json.message, /does not match/);
  assertNoCardData(stolen.text, "the refusal");

  // The user's own widget: its request carries the planted cookies too, and is refused.
  const popup = await userTries(page, context);
  const error = await waitForEvent(page, "error");
  assert.equal(error.detail.code, "HANDLE_UNBOUND");
  await popup.waitForEvent("close", { timeout: 5_000 }).catch(() => {});
  await assertWalletClosed(context);
  const refusals = record.issuer.filter((a) => a.method === "POST");
  assert.ok(refusals.length >= 1);
  for (const r of refusals) {
    assert.equal(r.status, 401, r.body);
    assert.match(r.body, /more than one binding cookie/);
    assertNoCardData(r.body, "the widget's refusal");
  }

  // Without the planted cookies the same handle works: nothing was spent.
  await removePlanted(context, planted);
  const before = (await env.sandbox.tokens()).length;
  const again = await clickAndOpenWallet(page, context);
  await confirmInWallet(again);
  const success = await waitForEvent(page, "success");
  assert.equal(success.detail.last4, "1111");
  assert.equal((await env.sandbox.tokens()).length, before + 1);
  assertNoCardData(await hostObservable(page), "the host page");
  assertNoCardData(record.console.join("\n"), "the console");
}

test("cookies planted before the mint: bnd is not theirs, the stolen handle and the widget are refused", async () => {
  await withPage(env, async (page, context) => {
    const record = recordContext(context, env.sandbox.origins.widget);
    const planted = plantedValue();
    await page.goto(`${env.sandbox.origins.host}/gift`);
    await plant(page, planted);
    assert.ok((await bindingCookies(context)).length >= 4, "the browser accepted the plants");
    await signIn(page, env.sandbox, "gift");
    await attackAndRecover(page, context, planted, record);
  });
});

test("cookies planted after the mint, before the redemption: refused the same way", async () => {
  await withPage(env, async (page, context) => {
    const record = recordContext(context, env.sandbox.origins.widget);
    await signIn(page, env.sandbox, "gift");
    const [real] = await bindingCookies(context);
    const planted = plantedValue();
    await plant(page, planted);
    // The script cannot overwrite the backend's HttpOnly cookie at its own path.
    const now = await bindingCookies(context);
    assert.ok(now.some((c) => c.value === real.value && c.path === real.path), "the backend's cookie is intact");
    await attackAndRecover(page, context, planted, record);
  });
});

test("the issuer API refuses a request with two binding cookies, in one Cookie header or two", async () => {
  await withPage(env, async (page, context) => {
    await signIn(page, env.sandbox, "gift");
    const [real] = await bindingCookies(context);
    const handle = await page.evaluate(() => document.querySelector("wallet-push-button").getAttribute("handle"));
    const planted = plantedValue();
    const { widget } = env.sandbox.origins;
    const session = await walletSession(env.sandbox);
    const body = { handle, wallet: "sandbox", session: session.session };
    const cookie = (v) => `${BINDING_COOKIE}=${v}`;
    const attempts = [
      await redeem(env.sandbox, body, { origin: widget, cookies: [real.value, planted] }),
      await redeem(env.sandbox, body, { origin: widget, cookies: [planted, real.value] }),
      await redeem(env.sandbox, body, { origin: widget, cookies: [real.value, real.value] }),
      await redeemRaw(env.sandbox, body, [["Origin", widget], ["Cookie", cookie(real.value)], ["Cookie", cookie(planted)]]),
      await redeemRaw(env.sandbox, body, [["Origin", widget], ["Cookie", `a=1; ${cookie(planted)}`], ["Cookie", cookie(real.value)]]),
    ];
    for (const r of attempts) {
      assert.equal(r.status, 401, r.text);
      assert.equal(r.json?.code, "HANDLE_UNBOUND", r.text);
      assert.match(r.json.message, /more than one binding cookie/);
      assertNoCardData(r.text, "a refusal");
    }
    // The planted value alone: a mismatch. None: missing.
    const alone = await redeem(env.sandbox, body, { origin: widget, cookies: [planted] });
    assert.equal(alone.json?.code, "HANDLE_UNBOUND");
    assert.match(alone.json.message, /does not match/);
    const none = await redeem(env.sandbox, body, { origin: widget });
    assert.equal(none.json?.code, "HANDLE_UNBOUND");
    assert.match(none.json.message, /cookies are blocked|not same-site/);
    // The backend's cookie alone, with the same handle: the card is released (the check can pass,
    // and nothing above spent the handle).
    const own = await redeem(env.sandbox, body, { origin: widget, cookies: [real.value] });
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.last4, "1111");
    assert.match(own.json.activation, /^eyJ/);
  });
});

test("the sandbox's log holds no card data after these attacks", () => {
  assertNoCardData(env.sandbox.logs(), "the sandbox's log");
});
