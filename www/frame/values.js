// Small checks and encodings that the wallet adapters share.

/** An id from configuration or from a wallet (integrator, partner, requestor, session ids). */
export function isId(value) {
  return typeof value === "string" && /^[\w.:-]{1,128}$/.test(value);
}

/** Unpadded base64url (RFC 4648 §5) of `bytes`. */
export function base64url(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
