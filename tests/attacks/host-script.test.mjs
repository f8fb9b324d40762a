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
import { waitForEvent, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";
import {
  assertNoCardData, bindingCookies, claimsOf, hostObservable, looseContext, recordContext, redeem, signIn,
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

/**
 * A script of the host page calls the issuer API with the page's first handle: a credentialed
 * JSON fetch, a simple (text/plain) fetch, `no-cors`, and a text/plain form POST into an iframe
 * (its body is the JSON). Resolves what the script could read of each.
 */
function callIssuerFromPage(page, url, session) {
  return page.evaluate(async ({ url, session }) => {
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
    await attempt("cors-json", { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body });
    await attempt("cors-simple", { method: "POST", credentials: "include", headers: { "content-type": "text/plain" }, body });
    await attempt("no-cors", { method: "POST", mode: "no-cors", credentials: "include", body });
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
    await Promise.race([loaded, new Promise((r) => setTimeout(r, 3000))]);
    try {
      const doc = frame.contentDocument;
      out.form = { text: doc ? doc.documentElement.outerHTML : null, url: doc ? doc.URL : null };
    } catch (error) {
      out.form = { error: String(error) };
    }
    frame.remove();
    form.remove();
    return out;
  }, { url, session });
}

test("under the portal's CSP, the host page's own script cannot even send to the issuer API", async () => {
  await withPage(env, async (page, context) => {
    const record = recordContext(context, env.sandbox.origins.widget);
    await signIn(page, env.sandbox, "gift");
    const session = await walletSession(env.sandbox);
    const results = await callIssuerFromPage(page, `${env.sandbox.origins.widget}/walletpush/v1/credentials`, session.session);
    for (const name of ["cors-json", "cors-simple", "no-cors"]) {
      assert.match(results[name].error ?? "", /TypeError/, `${name}: ${JSON.stringify(results[name])}`);
    }
    // form-action keeps the form from leaving: the iframe stays an empty page of the host.
    assert.equal(results.form.url, "about:blank", JSON.stringify(results.form));
    await sleep(200);
    assert.deepEqual(record.issuer.filter((a) => a.method === "POST"), [], "a request reached the issuer API");
    const success = await userAddsCard(page, context);
    assert.equal(success.detail.last4, "1111");
  });
});

test("without a CSP in its way, the host page's own script calls the issuer API: it reads nothing, the handle stays usable", async () => {
  const context = await looseContext(env.browser, env.sandbox);
  try {
    const page = await context.newPage();
    const record = recordContext(context, env.sandbox.origins.widget);
    await signIn(page, env.sandbox, "gift");
    const [binding] = await bindingCookies(context);
    assert.ok(binding);
    const session = await walletSession(env.sandbox);
    const results = await callIssuerFromPage(page, `${env.sandbox.origins.widget}/walletpush/v1/credentials`, session.session);
    // CORS: no answer is readable; no-cors: an opaque, empty answer; the form's frame is cross-origin.
    assert.match(results["cors-json"].error ?? "", /TypeError/, JSON.stringify(results["cors-json"]));
    assert.match(results["cors-simple"].error ?? "", /TypeError/, JSON.stringify(results["cors-simple"]));
    assert.equal(results["no-cors"].type, "opaque");
    assert.equal(results["no-cors"].status, 0);
    assert.equal(results["no-cors"].text, "");
    assert.ok(results.form.error || results.form.text === null, `the form's answer was readable: ${JSON.stringify(results.form)}`);
    // What reached the wire: the simple fetch, no-cors and the form left the browser; every answer
    // the browser reported was a refusal without card data (answers to CORS-failed fetches are
    // not reported to the test; that none released the card shows below: the handle is unspent).
    await sleep(300);
    const sent = record.requests.filter((r) => r.method === "POST" && r.url.endsWith("/walletpush/v1/credentials"));
    assert.ok(sent.length >= 3, `requests that left the page: ${sent.length}`);
    const answers = record.issuer.filter((a) => a.method === "POST");
    assert.ok(answers.length >= 1);
    for (const answer of answers) {
      assert.ok(answer.status >= 400, `the issuer API answered ${answer.status} to the host page's script`);
      assertNoCardData(answer.body, "an answer to the host page's script");
    }
    assertNoCardData(JSON.stringify(results), "what the script read");

    // The same handle, untouched: the user's widget provisions the card.
    record.issuer.length = 0;
    const success = await userAddsCard(page, context);
    assert.equal(success.detail.last4, "1111", "the handle the script used was not spent");
    assert.ok(record.issuer.some((a) => a.status === 200), "the widget's own call was answered");
    assertNoCardData(await hostObservable(page), "the host page");
    assertNoCardData(record.console.join("\n"), "the console");
  } finally {
    await context.close();
  }
});

test("the sandbox's log holds no card data after these attacks", () => {
  assertNoCardData(env.sandbox.logs(), "the sandbox's log");
});
