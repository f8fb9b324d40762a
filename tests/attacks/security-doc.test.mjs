// docs/security.md names, for each threat, the test that attacks it: every name it cites must be
// a test of that file (a renamed or deleted test would leave the threat model claiming a test
// that no longer runs). Node tests are cited as `file` › "name", Rust tests as `file` › `fn_name`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("../../", import.meta.url));
const doc = readFileSync(join(root, "docs", "security.md"), "utf8");

/** The test names a Node test file declares: test("…") and test('…'), template loops expanded by hand below. */
function declares(source, name) {
  const escaped = JSON.stringify(name);
  const single = `'${name.replace(/'/g, "\\'")}'`;
  return source.includes(`test(${escaped}`) || source.includes(`test(${single}`);
}

test("every test docs/security.md cites exists", () => {
  const cited = [...doc.matchAll(/`([\w./-]+\.(?:mjs|rs))` › (?:"([^"]+)"|`(\w+)`)/g)];
  assert.ok(cited.length >= 30, `docs/security.md cites ${cited.length} tests`);
  const missing = [];
  for (const [, file, nodeName, rustName] of cited) {
    const path = join(root, file);
    if (!existsSync(path)) {
      missing.push(`${file} (no such file)`);
      continue;
    }
    const source = readFileSync(path, "utf8");
    if (rustName) {
      if (!source.includes(`fn ${rustName}(`)) missing.push(`${file} › ${rustName}`);
    } else if (!declares(source, nodeName) && !generated(file, source, nodeName)) {
      missing.push(`${file} › ${nodeName}`);
    }
  }
  assert.deepEqual(missing, []);
});

/** Tests named from a table (wallet-document's bad documents): the name's variable part is a key of it. */
function generated(file, source, name) {
  const match = /^a discovered document with (.+): the wallet is unavailable \(WALLET_KEY_INVALID\), no window or request elsewhere$/.exec(name);
  return file.endsWith("wallet-document.test.mjs") && match !== null && source.includes(`${JSON.stringify(match[1])}:`);
}

test("every test file of tests/attacks/ is cited by docs/security.md", () => {
  for (const file of ["host-script", "cookie-tossing", "wallet-document", "wallet-api", "results", "handle-limits", "adapter-script"]) {
    assert.ok(doc.includes(`tests/attacks/${file}.test.mjs`), file);
  }
});
