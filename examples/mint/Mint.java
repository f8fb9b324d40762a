// Mints a walletpush card handle and its binding cookie (docs/design.md §2) with the JDK alone
// (java.security), Java 17 or later.
//
//   java Mint.java KEY.pem KID ISSUER WIDGET_ORIGIN COOKIE_DOMAIN SUB CARD LAST4 NETWORK PRODUCT WALLETS
//
// Prints one JSON line: {"handle": "...", "set_cookie": "..."}. In a real backend the binding
// secret is made once per login session, kept with the session, and the same cookie value is
// reused for every handle of that session; here each run is a new session.

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;

public class Mint {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    public static void main(String[] args) throws Exception {
        String keyFile = args[0], kid = args[1], issuer = args[2], widgetOrigin = args[3],
                cookieDomain = args[4], sub = args[5], card = args[6], last4 = args[7],
                network = args[8], product = args[9], wallets = args[10];

        // The binding secret: 32 random bytes. The cookie carries them; the handle their SHA-256.
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String cookieValue = B64URL.encodeToString(secret);
        String bnd = B64URL.encodeToString(MessageDigest.getInstance("SHA-256").digest(secret));

        long now = System.currentTimeMillis() / 1000;
        StringBuilder walletList = new StringBuilder();
        for (String wallet : wallets.split(",")) {
            walletList.append(walletList.length() == 0 ? "" : ",").append(json(wallet));
        }
        String header = "{\"alg\":\"ES256\",\"typ\":\"walletpush-handle+jwt\",\"kid\":" + json(kid) + "}";
        String claims = "{\"iss\":" + json(issuer) + ",\"sub\":" + json(sub) + ",\"card\":" + json(card)
                + ",\"aud\":" + json(widgetOrigin) + ",\"iat\":" + now + ",\"exp\":" + (now + 300)
                + ",\"jti\":" + json(UUID.randomUUID().toString()) + ",\"wallets\":[" + walletList + "]"
                + ",\"display\":{\"last4\":" + json(last4) + ",\"network\":" + json(network)
                + ",\"product\":" + json(product) + "},\"bnd\":" + json(bnd) + "}";
        String signingInput = b64(header) + "." + b64(claims);

        String pem = Files.readString(Path.of(keyFile))
                .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        // P1363 format is r || s, 32 bytes each: what JWS ES256 wants (RFC 7518 §3.4).
        Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
        signer.initSign(key);
        signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        String handle = signingInput + "." + B64URL.encodeToString(signer.sign());

        String secure = widgetOrigin.startsWith("https:") ? "; Secure" : "";
        String setCookie = "walletpush_binding=" + cookieValue + "; Domain=" + cookieDomain
                + "; Path=/walletpush/; HttpOnly; SameSite=Strict; Max-Age=1800" + secure;
        System.out.println("{\"handle\":" + json(handle) + ",\"set_cookie\":" + json(setCookie) + "}");
    }

    private static String b64(String text) {
        return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON string literal. */
    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
