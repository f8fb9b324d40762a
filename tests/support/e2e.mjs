// Shared set-up of the end-to-end files: one sandbox and one browser per file, a fresh context
// per test, and the assertions every failure case makes.
import { before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.mjs";
import { launch, newContext, events, waitForEvent, widgetFrame } from "./browser.mjs";

/**
 * Starts a sandbox and a browser for the calling test file; returns live accessors. `options`
 * are startSandbox()'s, or an async function of the env that returns them (to start what the
 * sandbox must point at first; it may push clean-ups onto `env.cleanups`).
 */
export function useSandbox(options = {}) {
  const env = { sandbox: null, browser: null, cleanups: [] };
  before(async () => {
    const startOptions = typeof options === "function" ? await options(env) : options;
    env.sandbox = await startSandbox(startOptions);
    env.browser = await launch();
  });
  afterEach(async () => {
    await fetch(`${env.sandbox.origins.widget}/__sandbox/reset-faults`, { method: "POST" });
  });
  after(async () => {
    await env.browser?.close();
    await env.sandbox?.stop();
    for (const cleanup of env.cleanups) await cleanup();
  });
  return env;
}

/** Runs `fn(page, context)` in a fresh browser context. */
export async function withPage(env, fn, contextOptions) {
  const context = await newContext(env.browser, env.sandbox, contextOptions);
  const page = await context.newPage();
  try {
    return await fn(page, context);
  } finally {
    await context.close();
  }
}

/** After a failure: the button is enabled and not busy, and a click starts a new attempt. */
export async function assertUsable(page, context, { opensWallet = true } = {}) {
  const button = widgetFrame(page).locator("button.wallet").first();
  await button.waitFor({ state: "visible" });
  assert.equal(await button.isDisabled(), false, "button disabled");
  await page.waitForFunction(() => true);
  assert.notEqual(await button.getAttribute("aria-busy"), "true", "button still busy");
  const clicks = (await events(page)).filter((e) => e.name === "click").length;
  const popup = opensWallet ? context.waitForEvent("page", { timeout: 5_000 }) : null;
  await button.click();
  await waitForEvent(page, "click", { skip: clicks });
  if (popup) await (await popup).close();
}

/** Every wallet window of the context is closed (the widget closes it on failure). */
export async function assertWalletClosed(context) {
  for (let i = 0; i < 40 && context.pages().length > 1; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(context.pages().length, 1, "the wallet window was left open");
}
