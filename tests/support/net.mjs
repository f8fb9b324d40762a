// Node's fetch cannot resolve *.localhost names (glibc asks DNS for them), while browsers map
// every *.localhost name to loopback (docs/wire.md, "Origins"). Importing this module first makes
// Node's global fetch do the same: an undici Agent whose lookup answers 127.0.0.1 for localhost
// and *.localhost, installed as the global dispatcher. Playwright's own requests from Node
// (`route.fetch()`, `page.request`) resolve names with `dns.promises.lookup`, which this module
// wraps the same way. Any other name resolves as usual.
import dns, { lookup as dnsLookup } from "node:dns";
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

/** dns.promises.lookup with *.localhost mapped to 127.0.0.1 (no IPv6 address for them). */
const promisesLookup = dns.promises.lookup;
export function lookupPromise(hostname, options = {}) {
  if (!isLocalhostName(hostname)) return promisesLookup.call(dns.promises, hostname, options);
  const family = typeof options === "number" ? options : options?.family;
  const found = family === 6 ? [] : [{ address: "127.0.0.1", family: 4 }];
  if (options?.all) return Promise.resolve(found);
  if (found.length === 0) return Promise.reject(Object.assign(new Error(`no IPv6 address for ${hostname}`), { code: "ENOTFOUND" }));
  return Promise.resolve(found[0]);
}

setGlobalDispatcher(new Agent({ connect: { lookup } }));
dns.promises.lookup = lookupPromise;
