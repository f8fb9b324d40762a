// A tiny static file server on loopback for the encrypt bench page: the page, our Wasm build
// (www/pkg/) and npm jose's browser ESM build, each under its own URL prefix. No bundler: jose's
// dist/webapi/ is plain ES modules with relative imports, served as files.
//
// Every response is cross-origin isolated (COOP same-origin + COEP require-corp) so that
// performance.now() in the page has its fine resolution (5 µs instead of 100 µs), which matters
// for timing calls that take a fraction of a millisecond.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/**
 * Serves `mounts` ({"/prefix/": "/abs/dir"}) on 127.0.0.1 at a free port.
 * Resolves with {origin, close()}.
 */
export async function startStaticServer(mounts) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const prefix = Object.keys(mounts)
      .filter((p) => path.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    const root = prefix && mounts[prefix];
    const file = root && normalize(join(root, path.slice(prefix.length)));
    if (!file || !(file === root || file.startsWith(root.endsWith(sep) ? root : root + sep))) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] || "application/octet-stream",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
