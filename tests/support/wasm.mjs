// Loads the Wasm module with the whole JOSE toolkit (target/pkg-toolkit/, built by
// `npm run build` with the `toolkit` feature) into Node. The served widget (www/pkg/) exports
// only what the frame needs: Widget, and encryptJwe.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("../../target/pkg-toolkit/", import.meta.url));

export async function loadWalletpush() {
  const mod = await import(pkg + "walletpush.js");
  mod.initSync({ module: readFileSync(pkg + "walletpush_bg.wasm") });
  return mod;
}
