// Node's fetch cannot resolve *.localhost names (glibc asks DNS for them), while browsers map
// every *.localhost name to loopback (docs/wire.md, "Origins"). Importing this module first makes
// Node's global fetch do the same: an undici Agent whose lookup answers 127.0.0.1 for localhost
// and *.localhost, installed as the global dispatcher. Any other name resolves as usual.
import { lookup as dnsLookup } from "node:dns";
import { Agent, setGlobalDispatcher } from "undici";

/** Whether `hostname` is localhost or a name under it. */
export function isLocalhostName(hostname) {
  const name = String(hostname).toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/** dns.lookup with *.localhost mapped to 127.0.0.1 (both callback shapes: one address or all). */
export function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (!isLocalhostName(hostname)) return dnsLookup(hostname, options, callback);
  const address = "127.0.0.1";
  if (options?.all) return process.nextTick(callback, null, [{ address, family: 4 }]);
  return process.nextTick(callback, null, address, 4);
}

setGlobalDispatcher(new Agent({ connect: { lookup } }));
