// Loads the release widget module (www/pkg/, built by `npm run build`) into Node.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("../../www/pkg/", import.meta.url));

export async function loadWalletpush() {
  const mod = await import(pkg + "walletpush.js");
  mod.initSync({ module: readFileSync(pkg + "walletpush_bg.wasm") });
  return mod;
}
