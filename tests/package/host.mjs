// A developer's own host page in front of the sandbox: three loopback listeners on 127.0.0.1
// that forward to a sandbox bound to 127.0.0.2 on the same ports, while the sandbox names
// 127.0.0.1 in its origins (`--bind 127.0.0.2` and every `--*-name 127.0.0.1`: one host name,
// so the binding cookie is host-only and reaches every port). The host listener
// first offers each request to `serve(req, res)` (the test's pages and its backend, e.g.
// `/react/…`, `/api/config`): so those pages are on the host origin that the frame's
// frame-ancestors allows, served by a real loopback server (Chromium refuses loopback
// subresources to pages made up by request interception).
import { createServer, request } from "node:http";
import { startSandbox } from "../support/sandbox.mjs";

const UPSTREAM = "127.0.0.2";

function forward(port) {
  return (req, res) => {
    const upstream = request(
      // A connection per request: a kept-alive one that the sandbox has just closed would fail
      // the next request forwarded on it.
      { host: UPSTREAM, port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };
}

function listen(handler) {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * Starts the three listeners and the sandbox behind them; `serve(req, res)` returns true when
 * it answered a host-origin request itself. Returns the sandbox (startSandbox's object, its
 * origins on 127.0.0.1) with a `stop()` that ends both.
 */
export async function startHost(serve) {
  const ports = {};
  const handlers = {};
  const servers = await Promise.all(
    ["host", "widget", "wallet"].map((name) =>
      listen((req, res) => handlers[name](req, res)).then((server) => {
        ports[name] = server.address().port;
        return server;
      }),
    ),
  );
  handlers.widget = forward(ports.widget);
  handlers.wallet = forward(ports.wallet);
  const toSandbox = forward(ports.host);
  handlers.host = async (req, res) => {
    try {
      if (await serve(req, res)) return;
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error && error.message));
      return;
    }
    toSandbox(req, res);
  };
  let sandbox;
  try {
    const names = ["--host-name", "--widget-name", "--wallet-name", "--adapters-name"].flatMap((flag) => [flag, "127.0.0.1"]);
    sandbox = await startSandbox({ ports, extraArgs: ["--bind", UPSTREAM, ...names] });
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
  return {
    ...sandbox,
    async stop() {
      for (const server of servers) server.closeAllConnections(), server.close();
      await sandbox.stop();
    },
  };
}
