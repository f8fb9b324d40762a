// What the attack suite (tests/attacks/) shares: the demo cards' secrets and the check that none
// of them appears in a text, what a host-page script can read, a signed-in portal page, calls of
// the issuer API and the wallet API from Node as an attacker makes them, and the record of every
// request and window of a browser context. Import "./net.mjs" first in a test file that uses the
// Node calls (Node's fetch does not resolve *.localhost by itself).
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { randomBytes, createHash } from "node:crypto";

/** The seeded cards (sandbox/src/seed.rs): what must never leak. */
export const CARDS = {
  "gift-1": { pan: "4111111111111111", exp_month: 12, exp_year: 2030, name: "Gianna Holder", last4: "1111" },
  "gift-2": { pan: "5555555555554444", exp_month: 6, exp_year: 2031, name: "Gianna Holder", last4: "4444" },
  "corp-1": { pan: "4000056655665556", exp_month: 9, exp_year: 2029, name: "Erin Q. Cardholder", last4: "5556" },
  "corp-2": { pan: "5200828282828210", exp_month: 3, exp_year: 2030, name: "Erin Q. Cardholder", last4: "8210" },
  "corp-inactive": { pan: "4242424242424242", exp_month: 1, exp_year: 2030, name: "Erin Q. Cardholder", last4: "4242" },
};

/** Every form in which a card's data could show: PAN (plain, grouped, its first 12 digits), expiry, name. */
export const SECRETS = [...new Set(Object.values(CARDS).flatMap((c) => {
  const mm = String(c.exp_month).padStart(2, "0");
  const groups = c.pan.match(/.{4}/g);
  return [
    c.pan, groups.join(" "), groups.join("-"), c.pan.slice(0, 12),
    `${mm}/${String(c.exp_year).slice(2)}`, `${mm}/${c.exp_year}`, `${c.exp_year}-${mm}`,
    c.name,
  ];
})), "\"pan\"", "exp_month", "exp_year"];

/** Fails when `text` holds any card secret; `where` names the place in the message. */
export function assertNoCardData(text, where) {
  const haystack = typeof text === "string" ? text : JSON.stringify(text);
  for (const secret of SECRETS) {
    assert.equal(haystack.includes(secret), false, `${where} holds card data (${JSON.stringify(secret)})`);
  }
}

/** The check itself can fail: a text with a PAN is caught. */
assert.throws(() => assertNoCardData(`x${CARDS["gift-1"].pan}x`, "self-test"));

export const BINDING_COOKIE = "walletpush_binding";

/** base64url(SHA-256(secret)) of a cookie value, as the issuer's backend computes `bnd`. */
export function bndOf(cookieValue) {
  return createHash("sha256").update(Buffer.from(cookieValue, "base64url")).digest("base64url");
}

/** A cookie value of the right shape that no backend made: what a tossing script plants. */
export function plantedValue() {
  return randomBytes(32).toString("base64url");
}

/** A handle's claims, unverified. */
export function claimsOf(handle) {
  return JSON.parse(Buffer.from(handle.split(".")[1], "base64url").toString("utf8"));
}

/**
 * Signs the portal's demo user in, in `page`; resolves when the first widget has said `ready`,
 * `unavailable` or `error` (the name of that event). The portal mints the handles and sets the
 * binding cookie.
 */
export async function signIn(page, sandbox, portal = "gift") {
  await page.goto(`${sandbox.origins.host}/${portal}`);
  await page.locator("#login").click();
  await page.waitForSelector("wallet-push-button", { state: "attached" });
  return waitForAny(page, ["ready", "unavailable", "error"]);
}

/** Resolves with the name of the first recorded event among `names`. */
export async function waitForAny(page, names, { timeout = 15_000 } = {}) {
  const handle = await page.waitForFunction(
    (wanted) => window.__wp.events.find((e) => wanted.includes(e.name))?.name,
    names,
    { timeout },
  );
  return handle.jsonValue();
}

/** The binding cookie(s) the browser holds (the test reads them; a page script cannot). */
export async function bindingCookies(context) {
  return (await context.cookies()).filter((c) => c.name === BINDING_COOKIE);
}

/**
 * Everything a script of the host page can read, gathered by a script in the page: the handles
 * in the DOM, the page's HTML fetched again (credentialed, which mints fresh handles), every
 * token-shaped string in both, `document.cookie`, local and session storage, the performance
 * entries.
 */
export async function stealFromPage(page) {
  return page.evaluate(async () => {
    const handles = new Set();
    for (const el of document.querySelectorAll("wallet-push-button, [handle]")) {
      const h = el.getAttribute("handle");
      if (h) handles.add(h);
    }
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
    const dom = document.documentElement.outerHTML;
    const fetched = await (await fetch(location.href, { credentials: "include" })).text();
    for (const text of [dom, fetched]) for (const m of text.match(token) ?? []) handles.add(m);
    const storage = {};
    for (const [name, store] of [["local", localStorage], ["session", sessionStorage]]) {
      for (let i = 0; i < store.length; i++) storage[`${name}:${store.key(i)}`] = store.getItem(store.key(i));
    }
    return {
      handles: [...handles],
      cookie: document.cookie,
      storage,
      dom,
      fetched,
      entries: performance.getEntries().map((e) => e.name),
    };
  });
}

/**
 * Everything the host page can observe, as one string: its DOM (shadow roots included), URL,
 * cookies, storage, history, performance entries and the instrumentation's record of events,
 * messages and console calls (tests/support/browser.mjs).
 */
export async function hostObservable(page) {
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
    parts.push(location.href, document.referrer, document.cookie, document.title, JSON.stringify(history.state));
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i++) parts.push(store.key(i), store.getItem(store.key(i)));
    }
    for (const entry of performance.getEntries()) parts.push(entry.name);
    parts.push(JSON.stringify(window.__wp ?? null));
    return parts.join("\n");
  });
}

/**
 * Records, for a browser context: every request (URL, method, its page's origin), every page
 * (window) it opened and every URL each page navigated to, every console line and every
 * response of the issuer API's credentials endpoint (method, status and body).
 */
export function recordContext(context, widgetOrigin) {
  const record = { requests: [], navigations: [], pages: 0, console: [], issuer: [] };
  const watch = (page) => {
    record.pages++;
    page.on("console", (m) => record.console.push(m.text()));
    page.on("framenavigated", (frame) => record.navigations.push(frame.url()));
    page.on("response", async (response) => {
      if (!response.url().startsWith(`${widgetOrigin}/walletpush/v1/credentials`)) return;
      let body = "";
      try {
        body = await response.text();
      } catch {
        body = "(unreadable)";
      }
      record.issuer.push({ method: response.request().method(), status: response.status(), body });
    });
  };
  context.on("request", (r) => record.requests.push({ url: r.url(), method: r.method() }));
  context.on("page", watch);
  for (const page of context.pages()) watch(page);
  return record;
}

/** The origins of `urls` (about:, data: and blob: are left out). */
export function originsOf(urls) {
  const origins = new Set();
  for (const url of urls) {
    if (!/^https?:/.test(url)) continue;
    origins.add(new URL(url).origin);
  }
  return origins;
}

/**
 * `POST /walletpush/v1/credentials` from Node as any client makes it: `origin` (undefined: no
 * Origin header), `cookies` (cookie values of `walletpush_binding`, all in one Cookie header),
 * `cookieHeader` (a raw Cookie header, in place of `cookies`), more `headers`.
 * Resolves {status, text, json, headers}.
 */
export async function redeem(sandbox, body, { origin, cookies = [], cookieHeader, headers = {} } = {}) {
  const h = { "content-type": "application/json", ...headers };
  if (origin !== undefined) h.origin = origin;
  const cookie = cookieHeader ?? cookies.map((v) => `${BINDING_COOKIE}=${v}`).join("; ");
  if (cookie) h.cookie = cookie;
  const response = await fetch(`${sandbox.origins.widget}/walletpush/v1/credentials`, {
    method: "POST",
    headers: h,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, text, json, headers: response.headers };
}

/**
 * The same request with raw header lines (`lines`: [name, value] pairs, repeated names kept as
 * separate lines: two Cookie headers), over node:http to the widget listener on 127.0.0.1.
 */
export function redeemRaw(sandbox, body, lines) {
  const url = new URL(`${sandbox.origins.widget}/walletpush/v1/credentials`);
  const payload = Buffer.from(JSON.stringify(body));
  const raw = [
    ["Host", url.host], ["Content-Type", "application/json"], ["Content-Length", String(payload.length)],
    ...lines,
  ].flat();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: url.port, method: "POST", path: url.pathname, headers: raw }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** A wallet session from the sandbox wallet's API, as its window gets one: {sid, session, status}. */
export async function walletSession(sandbox, clientOrigin = sandbox.origins.widget) {
  const response = await fetch(`${sandbox.origins.wallet}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: sandbox.origins.wallet },
    body: JSON.stringify({ client_origin: clientOrigin }),
  });
  const text = await response.text();
  let json = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = {};
  }
  return { status: response.status, text, ...json };
}

/** 22 base64url characters: a redirect attempt's `state`, as the frame makes it. */
export function newState() {
  return randomBytes(16).toString("base64url");
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh handle of `card`, minted by the portal for the context's signed-in user: the portal
 * page fetched from Node with the portal's session cookie of that context, so the handle is
 * bound to that browser's binding cookie (the session's first mint set it already).
 */
export async function portalHandle(context, sandbox, card = "gift-1", portal = "gift") {
  const name = `wp_${portal}_session`;
  const session = (await context.cookies(sandbox.origins.host)).find((c) => c.name === name);
  assert.ok(session, `the browser is signed in to ${portal}`);
  const response = await fetch(`${sandbox.origins.host}/${portal}`, { headers: { cookie: `${name}=${session.value}` } });
  const html = await response.text();
  const handles = [...html.matchAll(/<wallet-push-button handle="([\w.-]+)"/g)].map((m) => m[1]);
  const handle = handles.find((h) => claimsOf(h).card === card);
  assert.ok(handle, `the portal shows ${card} to a signed-in user`);
  return handle;
}

/**
 * A browser context whose pages ignore their Content-Security-Policy: a host page with a looser
 * policy than the sandbox's portals, so that what stops an attack is the issuer API and the
 * browser's same-origin rules, not the page's CSP. Its host-origin pages record events, messages
 * and console calls in `window.__wp` as tests/support/browser.mjs does.
 */
export async function looseContext(browser, sandbox) {
  const context = await browser.newContext({ bypassCSP: true });
  await context.addInitScript((hostOrigin) => {
    if (location.origin !== hostOrigin) return;
    const record = { events: [], messages: [], console: [] };
    Object.defineProperty(window, "__wp", { value: record });
    for (const level of ["log", "info", "warn", "error", "debug"]) {
      const original = console[level];
      console[level] = (...args) => {
        record.console.push(args.map(String).join(" "));
        return original.apply(console, args);
      };
    }
    window.addEventListener("message", (e) => {
      let data;
      try {
        data = JSON.stringify(e.data);
      } catch {
        data = String(e.data);
      }
      record.messages.push({ origin: e.origin, data });
    }, true);
    for (const name of ["ready", "unavailable", "click", "progress", "success", "cancel", "error"]) {
      document.addEventListener(name, (e) => {
        if (e instanceof CustomEvent) record.events.push({ name, detail: e.detail });
      }, true);
    }
  }, sandbox.origins.host);
  return context;
}
