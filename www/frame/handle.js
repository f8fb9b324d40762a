// Reads what the button may show from a card handle (docs/design.md §2), without the Wasm module, so
// a page whose wallets need no in-browser encryption never loads it. Display only: nothing here
// is trusted or verified; the issuer API verifies the handle when it is redeemed.
import { coded } from "./errors.js";

/** `{last4, network, product, art, wallets, exp}` of a handle, or HANDLE_INVALID. */
export function readDisplay(token) {
  const parts = token.split(".");
  const header = parts.length === 3 ? decodeJson(parts[0]) : null;
  const claims = header ? decodeJson(parts[1]) : null;
  const display = claims?.display;
  const valid =
    header?.alg === "ES256" &&
    header?.typ === "walletpush-handle+jwt" &&
    /^\d{4}$/.test(display?.last4 ?? "") &&
    Array.isArray(claims.wallets) &&
    claims.wallets.every((w) => typeof w === "string");
  if (!valid) throw coded("HANDLE_INVALID", "the card handle is not a card handle");
  return {
    last4: display.last4,
    network: String(display.network ?? ""),
    product: String(display.product ?? ""),
    art: typeof display.art === "string" ? display.art : null,
    wallets: claims.wallets,
    exp: Number(claims.exp),
  };
}

function decodeJson(part) {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return null;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(b64 + "===".slice((b64.length + 3) % 4)), (c) => c.charCodeAt(0));
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}
