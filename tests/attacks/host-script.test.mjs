// A script of the host page (an XSS, a tag manager gone bad) attacks the card (docs/design.md §2,
// §7): it reads everything a script can read in a signed-in portal page and sends it home, where
// the handles are redeemed from Node with every Origin and every cookie the script saw; and it
// calls the issuer API itself from the page (credentialed fetch, no-cors, a form POST into an
// iframe). Each gets nothing: HANDLE_UNBOUND or ORIGIN_NOT_ALLOWED, an unreadable answer, no card
// data anywhere; and afterwards the user's own widget provisions that very card.
import "../support/net.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { useSandbox, withPage } from "../support/e2e.mjs";
import { waitForEvent, widgetFrame, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";
import {
  assertNoCardData, bindingCookies, claimsOf, hostObservable, recordContext, redeem, signIn,
  stealFromPage, walletSession, newState, sleep, BINDING_COOKIE,
} from "../support/attacks.mjs";

const env = useSandbox();

/** The user clicks the first card's button and confirms in the wallet: resolves the success event. */
async function userAddsCard(page, context) {
  const before = (await env.sandbox.tokens()).length;
  const popup = await clickAndOpenWallet(page, context);
  await confirmInWallet(popup);
  const success = await waitForEvent(page, "success");
  assert.equal((await env.sandbox.tokens()).length, before + 1, "the user's card was provisioned");
  return success;
}

test("stolen handles, with everything a host script can read, redeem nothing from Node", async () => {
  await withPage(env, async (page, context) => {
    const record = recordContext(context, env.sandbox.origins.widget);
    await signIn(page, env.sandbox, "gift");
    const loot = await stealFromPage(page);
    const [binding] = await bindingCookies(context);
    assert.ok(binding, "the portal set the binding cookie");
    assert.equal(binding.httpOnly, true);
    assert.equal(loot.cookie.includes(BINDING_COOKIE), false, "document.cookie shows the binding cookie");
    assert.equal(loot.cookie.includes(binding.value), false);
    assert.ok(loot.handles.length >= 4, `handles in the DOM and in the fetched page: ${loot.handles.length}`);
    for (const handle of loot.handles) {
      assert.match(claimsOf(handle).bnd, /^[\w-]{43}$/, "each handle is bound");
    }
    assertNoCardData(JSON.stringify(loot), "what the script read");

    const { widget, host } = env.sandbox.origins;
    const adapters = env.sandbox.origins.adapters;
    // The script's own cookies, as it read them, and none: the binding cookie is not among them.
    const cookieHeaders = [...new Set([loot.cookie, ""])];
    // The attacker can get a real wallet session for the widget origin: the wallet is public.
    const session = await walletSession(env.sandbox);
    assert.equal(session.status, 200, session.text);
    const bodies = (handle) => [
      { handle, wallet: "sandbox", session: session.session },
      { handle, wallet: "sandbox", state: newState() },
    ];
    const refusals = [];
    // One stolen handle per card from the DOM (the widget's own) and the fetched page: few
    // requests per card, so that no rate limit answers in place of the check under test.
    const cardsSeen = new Set();
    const tried = loot.handles.filter((h) => {
      const key = `${claimsOf(h).card}:${loot.dom.includes(h) ? "dom" : "fetched"}`;
      if (cardsSeen.has(key)) return false;
      cardsSeen.add(key);
      return true;
    });
    assert.ok(tried.length >= 2);
    for (const handle of tried) {
      const [popupBody, redirectBody] = bodies(handle);
      const asWidget = [
        ...cookieHeaders.map((cookieHeader) => [popupBody, cookieHeader]),
        [redirectBody, loot.cookie],
      ];
      for (const [body, cookieHeader] of asWidget) {
        const r = await redeem(env.sandbox, body, { origin: widget, cookieHeader });
        refusals.push(r);
        assert.equal(r.status, 401, r.text);
        assert.equal(r.json?.code, "HANDLE_UNBOUND", r.text);
      }
      // Other origins, on the handle from the DOM only (the card's rate limit stays clear).
      if (!loot.dom.includes(handle)) continue;
      for (const origin of [host, ...(adapters ? [adapters] : []), "http://evil.localhost:9", undefined]) {
        const r = await redeem(env.sandbox, bodies(handle)[0], { origin, cookieHeader: loot.cookie });
        refusals.push(r);
        assert.equal(r.status, 403, `${origin}: ${r.text}`);
        assert.equal(r.json?.code, "ORIGIN_NOT_ALLOWED", r.text);
      }
    }
    for (const r of refusals) assertNoCardData(r.text, "a refusal");

    // The user's own widget still provisions the card: the refusals spent nothing.
    const success = await userAddsCard(page, context);
    assert.equal(success.detail.last4, "1111");
    assertNoCardData(await hostObservable(page), "the host page");
    assertNoCardData(record.console.join("\n"), "the console");
    assertNoCardData(record.navigations.join("\n"), "a URL");
  });
});

test("the host page's own script calls the issuer API: it reads nothing, the handle stays usable", async () => {
  await withPage(env, async (page, context) => {
    const record = recordContext(context, env.sandbox.origins.widget);
    await signIn(page, env.sandbox, "gift");
    const [binding] = await bindingCookies(context);
    assert.ok(binding);
    const session = await walletSession(env.sandbox);
    const url = `${env.sandbox.origins.widget}/walletpush/v1/credentials`;
    const results = await page.evaluate(async ({ url, session }) => {
      const handle = document.querySelector("wallet-push-button").getAttribute("handle");
      const body = JSON.stringify({ handle, wallet: "sandbox", session });
      const out = {};
      const attempt = async (name, init) => {
        try {
          const response = await fetch(url, init);
          out[name] = { type: response.type, status: response.status, text: await response.text() };
        } catch (error) {
          out[name] = { error: String(error) };
        }
      };
      // Credentialed, JSON: the preflight is refused (no CORS for the host origin).
      await attempt("cors-json", { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body });
      // A simple request (no preflight): it reaches the server, whose answer the page cannot read.
      await attempt("cors-simple", { method: "POST", credentials: "include", headers: { "content-type": "text/plain" }, body });
      await attempt("no-cors", { method: "POST", mode: "no-cors", credentials: "include", body });
      // A form POST into an iframe, text/plain so that the body is the JSON.
      const frame = document.createElement("iframe");
      frame.name = "sink";
      document.body.append(frame);
      const form = document.createElement("form");
      form.method = "POST";
      form.action = url;
      form.target = "sink";
      form.enctype = "text/plain";
      const input = document.createElement("input");
      input.name = body.slice(0, -1) + ',"pad":"';
      input.value = '"}';
      form.append(input);
      document.body.append(form);
      const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
      form.submit();
      await Promise.race([loaded, new Promise((r) => setTimeout(r, 5000))]);
      try {
        out.form = { text: frame.contentDocument?.documentElement?.outerHTML ?? null };
      } catch (error) {
        out.form = { error: String(error) };
      }
      frame.remove();
      form.remove();
      return out;
    }, { url, session: session.session });

    assert.ok(results["cors-json"].error, `read a CORS answer: ${JSON.stringify(results["cors-json"])}`);
    assert.ok(results["cors-simple"].error, `read a CORS answer: ${JSON.stringify(results["cors-simple"])}`);
    assert.equal(results["no-cors"].type, "opaque");
    assert.equal(results["no-cors"].status, 0);
    assert.equal(results["no-cors"].text, "");
    assert.ok(results.form.error || results.form.text === null, `the form's answer was readable: ${JSON.stringify(results.form)}`);
    // What reached the wire: every answer was a refusal, with no card data.
    await sleep(200);
    const answers = record.issuer.filter((a) => a.method === "POST");
    assert.ok(answers.length >= 3, `the server saw the calls: ${answers.length}`);
    for (const answer of answers) {
      assert.ok(answer.status >= 400, `the issuer API answered ${answer.status} to the host page's script`);
      assertNoCardData(answer.body, "an answer to the host page's script");
    }
    assertNoCardData(JSON.stringify(results), "what the script read");

    // The same handle, untouched: the user's widget provisions the card.
    record.issuer.length = 0;
    const success = await userAddsCard(page, context);
    assert.equal(success.detail.last4, "1111");
    assert.ok(record.issuer.some((a) => a.status === 200), "the widget's own call was answered");
    assertNoCardData(await hostObservable(page), "the host page");
    assertNoCardData(record.console.join("\n"), "the console");
  });
});

test("the sandbox's log holds no card data after these attacks", () => {
  assertNoCardData(env.sandbox.logs(), "the sandbox's log");
});
