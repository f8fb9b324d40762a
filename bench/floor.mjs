// The floors of the cold-start and click sections: what the browser alone costs for the same
// shape of page, served on loopback beside the sandbox.
//
// Two static servers on 127.0.0.1, on two ports, mirror the sandbox's host and widget origins
// (cross-origin, same site, as the widget frame is to its host page):
// - the floor host serves the sandbox's own blank embed page (`/__sandbox/embed`, fetched from
//   the sandbox at start, with its stylesheet and its Content-Security-Policy) without the
//   shim's script tag, its `frame-src` pointed at the floor frame's origin;
// - the floor frame serves `/frame.html`, a plain button and no script, and `/open.html`, a bare
//   page whose button calls `window.open` with the URL and features it is given (the floor of
//   the click section).
import { createServer } from "node:http";

/** The floor's frame page: a button as the widget draws one, no script, no stylesheet. */
const FRAME_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>floor</title></head>
<body><button type="button">Add to Sandbox Wallet</button></body>
</html>
`;

/**
 * A bare page whose button opens `window.__open = {url, name, features}` and keeps how long
 * `window.open` took in `window.__opened`.
 */
const OPEN_PAGE = `<!doctype html><meta charset="utf-8"><title>bare</title><button id="open">open</button><script>
document.getElementById("open").addEventListener("click", () => {
  const { url, name, features } = window.__open;
  const start = performance.now();
  const opened = window.open(url, name, features);
  window.__opened = { ms: performance.now() - start, opened: Boolean(opened) };
});
</script>`;

/** As the sandbox's origins: `/favicon.ico` answers 204, no icon and no 404. */
async function listen(handler) {
  const server = createServer((req, res) => {
    if (new URL(req.url, "http://x").pathname === "/favicon.ico") return void res.writeHead(204).end();
    handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/**
 * Starts the floor's two servers from a running sandbox. Resolves with
 * {hostPage, framePage, openPage, hostOrigin, frameOrigin, close()}.
 */
export async function startFloor(sandbox) {
  const embed = await fetch(`${sandbox.origins.host}/__sandbox/embed`);
  if (!embed.ok) throw new Error(`floor: /__sandbox/embed answered ${embed.status}`);
  const shimTag = new RegExp(`<script src="${sandbox.origins.widget.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/walletpush\\.js"[^>]*></script>\\n?`);
  const original = await embed.text();
  const html = original.replace(shimTag, "");
  if (html === original) throw new Error("floor: the shim's script tag was not found in the embed page");

  // The host page's own subresources (its stylesheet), served as the sandbox serves them.
  const assets = new Map();
  for (const [, path] of html.matchAll(/(?:href|src)="(\/[^"]*)"/g)) {
    const response = await fetch(`${sandbox.origins.host}${path}`);
    if (!response.ok) throw new Error(`floor: ${path} answered ${response.status}`);
    assets.set(path, {
      type: response.headers.get("content-type") ?? "application/octet-stream",
      cache: response.headers.get("cache-control") ?? "no-cache",
      body: Buffer.from(await response.arrayBuffer()),
    });
  }

  const frame = await listen((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const body = { "/frame.html": FRAME_PAGE, "/open.html": OPEN_PAGE }[path];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" }).end(body);
  });
  const policy = (embed.headers.get("content-security-policy") ?? "").replaceAll(sandbox.origins.widget, frame.origin);
  const host = await listen((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/__sandbox/embed") {
      const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };
      if (policy) headers["content-security-policy"] = policy;
      return void res.writeHead(200, headers).end(html);
    }
    const asset = assets.get(path);
    if (!asset) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": asset.type, "cache-control": asset.cache }).end(asset.body);
  });

  return {
    hostOrigin: host.origin,
    frameOrigin: frame.origin,
    hostPage: `${host.origin}/__sandbox/embed`,
    framePage: `${frame.origin}/frame.html`,
    openPage: `${frame.origin}/open.html`,
    close: () => Promise.all([host, frame].map(({ server }) => new Promise((resolve) => server.close(resolve)))),
  };
}
