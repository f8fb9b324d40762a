// The widget's words. English is here; French, German, Spanish, Italian and Dutch are each in
// their own module (www/i18n-<language>.js), which the frame loads only for a page in that
// language: every page downloads one language, not six. `{name}` is replaced by the named value.
// A missing key, or a language whose module could not be loaded, falls back to English.

const ENGLISH = {
  add: "Add to {wallet}",
  addLong: "Add card ending {last4} to {wallet}",
  adding: "Adding…",
  added: "Added to {wallet}",
  addedLong: "Card ending {last4} added to {wallet}",
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
  "error.CARD_INACTIVE": "This card cannot be added to a wallet. Please contact your bank.",
  toRequestor: "Taking you to {wallet}…",
  "error.WALLET_UNAVAILABLE": "This wallet is not available here. Try another one.",
};

/** The other languages' modules, imported on demand. */
const LANGUAGES = {
  fr: () => import("./i18n-fr.js"),
  de: () => import("./i18n-de.js"),
  es: () => import("./i18n-es.js"),
  it: () => import("./i18n-it.js"),
  nl: () => import("./i18n-nl.js"),
};

/** The messages of each language loaded so far. */
const MESSAGES = { en: ENGLISH };
/** Imports running, by language. */
const loading = new Map();

/** The languages the widget speaks. */
export const LOCALES = ["en", ...Object.keys(LANGUAGES)];

/**
 * Loads the messages of `locale`'s language, if the widget speaks it and they are not loaded
 * yet: resolves once `text` can use them. Never rejects: a module that fails to load leaves the
 * language in English, and a later call tries again.
 */
export function loadLocale(locale) {
  const language = languageOf(locale);
  if (Object.hasOwn(MESSAGES, language) || !Object.hasOwn(LANGUAGES, language)) return Promise.resolve();
  if (!loading.has(language)) {
    const load = LANGUAGES[language]().then(
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
