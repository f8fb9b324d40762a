// The widget's words. English is here; French, German, Spanish, Italian, Dutch, Portuguese,
// Polish, Japanese and Arabic (right to left) are each in their own module
// (www/i18n-<language>.js), which the frame loads only for a page in that language: every page
// downloads one language, not ten. `{name}` is replaced by the named value.
// A missing key, or a language whose module could not be loaded, falls back to English.

const ENGLISH = {
  add: "Add to {wallet}",
  addLong: "Add to {wallet}, card ending {last4}",
  adding: "Adding…",
  added: "Added to {wallet}",
  addedLong: "Added to {wallet}, card ending {last4}",
  inWallet: "Continue in the {wallet} window",
  cancelled: "Cancelled. You can try again.",
  unavailable: "No wallet is available for this card here.",
  error: "The card could not be added. Please try again.",
  errorFinal: "The card could not be added. Please contact your bank.",
  "error.POPUP_BLOCKED": "The wallet window was blocked. Allow pop-ups and try again.",
  "error.TIMEOUT": "The wallet took too long to answer. Please try again.",
  "error.NETWORK": "Network problem. Check your connection and try again.",
  "error.HANDLE_EXPIRED": "This page has expired. Reload it and try again.",
  "error.HANDLE_REPLAYED": "This page was already used. Reload it and try again.",
  "error.HANDLE_UNBOUND": "Your browser blocked a cookie this page needs. Allow cookies for this site and reload the page.",
  "error.RATE_LIMITED": "Too many attempts. Wait a moment and try again.",
  "error.CARD_INACTIVE": "This card cannot be added to a wallet. Please contact your bank.",
  toRequestor: "Taking you to {wallet}…",
  "error.WALLET_UNAVAILABLE": "This wallet is not available here. Try another one.",
};

/**
 * The other languages, each its module `./i18n-<language>.js`, imported on demand. Only these
 * names are ever imported (the locale comes from the host page).
 */
const LANGUAGES = ["fr", "de", "es", "it", "nl", "pt", "pl", "ja", "ar"];

/** The messages of each language loaded so far. */
const MESSAGES = { en: ENGLISH };
/** Imports running, by language. */
const loading = new Map();

/** "rtl" or "ltr", for the `dir` of a page in `locale`: Arabic is the one right-to-left language. */
export const direction = (locale) => (languageOf(locale) === "ar" ? "rtl" : "ltr");

/**
 * Loads the messages of `locale`'s language, if the widget speaks it and they are not loaded
 * yet: resolves once `text` can use them. Never rejects: a module that fails to load leaves the
 * language in English, and a later call tries again.
 */
export function loadLocale(locale) {
  const language = languageOf(locale);
  if (Object.hasOwn(MESSAGES, language) || !LANGUAGES.includes(language)) return Promise.resolve();
  if (!loading.has(language)) {
    // A computed specifier, which the bundler leaves as it is: the module beside this one.
    const url = `./i18n-${language}.js`;
    const load = import(url).then(
      (module) => {
        MESSAGES[language] = module.default;
      },
      () => {},
    );
    loading.set(language, load);
    load.then(() => loading.delete(language));
  }
  return loading.get(language);
}

/** The message `key` in `locale` (e.g. "fr-CA" uses "fr"), with `{name}` placeholders filled. */
export function text(locale, key, values = {}, fallback = key) {
  const template = MESSAGES[languageOf(locale)]?.[key] ?? MESSAGES.en[key] ?? fallback;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

function languageOf(locale) {
  return String(locale).toLowerCase().split(/[-_]/)[0];
}
