// The frame in every language it speaks (Arabic laid out right to left), and axe-core's WCAG 2.1
// A and AA rules over the frame in each of its states: ready, busy, success, error, unavailable;
// a card provisioned with the keyboard alone, and the focus back on the button after a cancel;
// the same rules over the demo portals (signed out, signed in with the widget ready) and the
// sandbox wallet's pages (sign-in, confirmation, result, error, the list of cards); and German and
// Dutch labels on one line in a frame sized to them.
// axe-core (a devDependency, pinned) is the rule engine browsers' own audit tools build on; the
// whole file takes about 23 s here (`node --test tests/e2e/accessibility.test.mjs`), 29 axe runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { useSandbox, withPage } from "../support/e2e.mjs";
import { embed, waitForEvent, widgetFrame, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const env = useSandbox();
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** The label of the sandbox wallet's button in each language, as the frame shows it. */
const LABELS = {
  en: "Add to Sandbox Wallet",
  fr: "Ajouter à Sandbox Wallet",
  de: "Zu Sandbox Wallet hinzufügen",
  es: "Añadir a Sandbox Wallet",
  it: "Aggiungi a Sandbox Wallet",
  nl: "Toevoegen aan Sandbox Wallet",
  pt: "Adicionar a Sandbox Wallet",
  pl: "Dodaj do Sandbox Wallet",
  ja: "Sandbox Walletに追加",
  ar: "إضافة إلى Sandbox Wallet",
};

const frameOf = (page) => page.frames().find((f) => f.url().includes("/frame.html"));

/** axe-core's WCAG 2.1 A/AA violations in the frame: `[{id, impact, targets}]`. */
const violations = (page) => violationsIn(frameOf(page));

/**
 * axe-core's WCAG 2.1 A/AA violations in one document (a page or a frame), not descending into
 * its iframes (the widget frame is checked on its own): `[{id, impact, targets}]`.
 */
async function violationsIn(frame) {
  if (!(await frame.evaluate(() => typeof window.axe === "object"))) await frame.evaluate(axeSource);
  const result = await frame.evaluate(async (tags) => {
    const options = { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"], iframes: false };
    const result = await window.axe.run(document, options);
    const found = result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")) }));
    return { found, checked: result.passes.length + result.violations.length };
  }, WCAG_21_AA);
  // The rules ran on something: button names, contrast, language, landmarks at least.
  assert.ok(result.checked >= 4, `axe checked ${result.checked} rules`);
  return result.found;
}

test("the frame speaks ten languages, Arabic laid out right to left", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox", locale: "en" });
    await waitForEvent(page, "ready");
    const frame = widgetFrame(page);
    for (const [locale, label] of Object.entries(LABELS)) {
      await page.evaluate((l) => window.__controller.update({ locale: l }), locale);
      await frame.locator("button.wallet .label", { hasText: label }).waitFor({ timeout: 5000 });
      const { lang, dir } = await frameOf(page).evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
      assert.deepEqual({ lang, dir }, { lang: locale, dir: locale === "ar" ? "rtl" : "ltr" }, locale);
      const name = await frame.locator("button.wallet").getAttribute("aria-label");
      assert.ok(name.includes(label), `${locale}: the accessible name "${name}" contains the visible label`);
      const mark = await frame.locator("button.wallet .mark").boundingBox();
      const text = await frame.locator("button.wallet .label").boundingBox();
      // The wallet's mark comes first in reading order: on the left, or on the right in Arabic.
      assert.equal(mark.x < text.x, locale !== "ar", `${locale}: mark at ${mark.x}, label at ${text.x}`);
      assert.deepEqual(await violations(page), [], `${locale}: axe`);
    }
  });
});

test("axe-core finds no WCAG 2.1 A/AA violation in the frame: ready, busy, success", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    assert.deepEqual(await violations(page), [], "ready");
    const popup = await clickAndOpenWallet(page, context);
    await widgetFrame(page).locator('button.wallet[aria-busy="true"]').waitFor();
    assert.deepEqual(await violations(page), [], "busy");
    await confirmInWallet(popup);
    await waitForEvent(page, "success");
    await widgetFrame(page).locator('button.wallet[data-state="added"]').waitFor();
    assert.deepEqual(await violations(page), [], "success");
  });
});

test("axe-core finds no WCAG 2.1 A/AA violation in the frame: error, unavailable", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({ signer: "rogue" });
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    await waitForEvent(page, "error");
    await widgetFrame(page).locator('#status[data-kind="error"]').waitFor();
    assert.deepEqual(await violations(page), [], "error");
  });
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({ wallets: ["google"] });
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "unavailable");
    await widgetFrame(page).locator('#status[data-kind="error"]').waitFor();
    assert.deepEqual(await violations(page), [], "unavailable");
  });
});

/** Presses Tab in `page` until the element with `id` has focus (at most 15 times). */
async function tabTo(page, id) {
  for (let i = 0; i < 15; i++) {
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
    await page.keyboard.press("Tab");
  }
  assert.fail(`Tab never reached #${id}`);
}

test("the keyboard alone provisions a card: Tab to the button, Enter, then the wallet window by keyboard", async () => {
  await withPage(env, async (page, context) => {
    const before = (await env.sandbox.tokens()).length;
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    // From the host page's start, Tab leads into the frame, to the wallet's button.
    await page.keyboard.press("Tab");
    const focused = await frameOf(page).evaluate(() => document.activeElement?.className);
    assert.equal(focused, "wallet", "the first Tab reaches the wallet button");
    const opened = context.waitForEvent("page");
    await page.keyboard.press("Enter");
    const popup = await opened;
    await popup.waitForLoadState();
    await tabTo(popup, "signin");
    await popup.keyboard.press("Enter");
    await popup.locator("#confirm").waitFor();
    await tabTo(popup, "confirm");
    await popup.keyboard.press("Enter");
    await waitForEvent(page, "success");
    assert.equal((await env.sandbox.tokens()).length, before + 1);
  });
});

test("when the user closes the wallet window, the keyboard focus is back on the wallet's button", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    await page.keyboard.press("Tab");
    const opened = context.waitForEvent("page");
    await page.keyboard.press("Enter");
    await (await opened).close();
    await waitForEvent(page, "cancel");
    const focus = await frameOf(page).evaluate(() => ({ focused: document.activeElement?.className, busy: document.activeElement?.getAttribute("aria-busy") }));
    assert.deepEqual(focus, { focused: "wallet", busy: "false" });
    // And Enter tries again from there.
    const again = context.waitForEvent("page");
    await page.keyboard.press("Enter");
    await (await again).close();
    await waitForEvent(page, "cancel", { skip: 1 });
  });
});

test("axe-core finds no WCAG 2.1 A/AA violation on the demo portals, signed out and signed in", async () => {
  await withPage(env, async (page) => {
    await page.goto(env.sandbox.origins.host);
    assert.deepEqual(await violationsIn(page.mainFrame()), [], "the index of the demos");
  });
  for (const path of ["/gift", "/expenses"]) {
    await withPage(env, async (page) => {
      await page.goto(`${env.sandbox.origins.host}${path}`);
      assert.deepEqual(await violationsIn(page.mainFrame()), [], `${path} signed out`);
      await page.locator("#login").click();
      await waitForEvent(page, "ready");
      assert.deepEqual(await violationsIn(page.mainFrame()), [], `${path} signed in`);
      assert.deepEqual(await violations(page), [], `${path}: the frame`);
    });
  }
});

test("axe-core finds no WCAG 2.1 A/AA violation in the wallet window: sign-in, confirmation, result, error", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").waitFor();
    assert.deepEqual(await violationsIn(popup.mainFrame()), [], "sign-in");
    await popup.locator("#signin").click();
    await popup.locator("#confirm").waitFor();
    assert.deepEqual(await violationsIn(popup.mainFrame()), [], "confirmation");
    // The result step is shown for a moment before the window closes itself: hold the close.
    await popup.evaluate(() => { window.close = () => {}; });
    await popup.locator("#confirm").click();
    await popup.locator("#step-done").waitFor();
    assert.deepEqual(await violationsIn(popup.mainFrame()), [], "result");
    await waitForEvent(page, "success");
  });
  await withPage(env, async (page) => {
    // Opened without a valid client origin: the wallet's error page.
    await page.goto(`${env.sandbox.origins.wallet}/entry`);
    await page.locator("#step-error").waitFor();
    assert.deepEqual(await violationsIn(page.mainFrame()), [], "error page");
  });
  await withPage(env, async (page) => {
    // The wallet window's own error step: opened by no card button, it refuses to sign in.
    const entry = new URL("/entry", env.sandbox.origins.wallet);
    entry.searchParams.set("client_origin", env.sandbox.origins.widget);
    await page.goto(entry.href);
    await page.locator("#signin").click();
    await page.locator("#step-error").waitFor();
    assert.deepEqual(await violationsIn(page.mainFrame()), [], "error step");
  });
});

test("axe-core finds no WCAG 2.1 A/AA violation on the wallet's list of cards, signed out and with a card", async () => {
  await withPage(env, async (page, context) => {
    await page.goto(`${env.sandbox.origins.wallet}/cards`);
    await page.locator("#signin").waitFor();
    assert.deepEqual(await violationsIn(page.mainFrame()), [], "/cards signed out");
    const { handle } = await env.sandbox.mintHandle({});
    const host = await context.newPage();
    await embed(host, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(host, "ready");
    await confirmInWallet(await clickAndOpenWallet(host, context));
    await waitForEvent(host, "success");
    await page.goto(`${env.sandbox.origins.wallet}/cards`);
    await page.locator("table#cards").waitFor();
    assert.deepEqual(await violationsIn(page.mainFrame()), [], "/cards with a card");
  });
});

/** The wallet button's box, its label's, the label's lines, and whether anything overflows the frame. */
async function buttonLayout(page) {
  return frameOf(page).evaluate(() => {
    const button = document.querySelector("button.wallet");
    const label = button.querySelector(".label");
    const range = document.createRange();
    range.selectNodeContents(label);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    const box = button.getBoundingClientRect();
    const root = document.documentElement;
    return {
      height: Math.round(box.height),
      labelHeight: Math.round(label.getBoundingClientRect().height),
      lines,
      // The button and its focus ring (3px outline, 2px offset) inside the frame.
      clipped: box.right + 5 > root.clientWidth + 0.5 || box.left - 5 < -0.5 || box.top - 5 < -0.5
        || button.scrollWidth > button.clientWidth
        || root.scrollWidth > root.clientWidth || root.scrollHeight > root.clientHeight,
    };
  });
}

test("the frame fits its label: in German and Dutch the button's label is on one line, as in English, and nothing is clipped", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox", locale: "en" });
    await waitForEvent(page, "ready");
    const frame = widgetFrame(page);
    await frame.locator("button.wallet .label", { hasText: LABELS.en }).waitFor();
    const en = await buttonLayout(page);
    assert.equal(en.lines, 1, "en: one line");
    assert.equal(en.clipped, false, "en: nothing clipped");
    for (const locale of ["de", "nl"]) {
      await page.evaluate((l) => window.__controller.update({ locale: l }), locale);
      await frame.locator("button.wallet .label", { hasText: LABELS[locale] }).waitFor();
      // The frame reports the width it needs and the shim resizes the iframe: wait for it.
      let layout;
      for (let i = 0; i < 40; i++) {
        layout = await buttonLayout(page);
        if (layout.lines === 1 && !layout.clipped) break;
        await page.waitForTimeout(50);
      }
      assert.deepEqual(layout, en, `${locale}: the label on one line, heights as in English, nothing clipped`);
      // The iframe is as wide as the frame says, inside the element that holds it.
      const sizes = await page.evaluate(() => {
        const host = document.getElementById("widget");
        const iframe = host.shadowRoot.querySelector("iframe");
        return { host: host.getBoundingClientRect().width, iframe: iframe.getBoundingClientRect().width };
      });
      assert.ok(sizes.iframe <= sizes.host + 0.5 && sizes.iframe > 220, `${locale}: ${JSON.stringify(sizes)}`);
    }
  });
});
