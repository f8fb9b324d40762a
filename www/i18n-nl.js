// The widget's words in Dutch (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "Toevoegen aan {wallet}",
  addLong: "Toevoegen aan {wallet}, kaart eindigend op {last4}",
  adding: "Bezig met toevoegen…",
  added: "Toegevoegd aan {wallet}",
  addedLong: "Toegevoegd aan {wallet}, kaart eindigend op {last4}",
  inWallet: "Ga verder in het venster van {wallet}",
  cancelled: "Geannuleerd. U kunt het opnieuw proberen.",
  unavailable: "Er is hier geen wallet beschikbaar voor deze kaart.",
  error: "De kaart kon niet worden toegevoegd. Probeer het opnieuw.",
  errorFinal: "De kaart kan hier niet worden toegevoegd. Neem contact op met uw bank.",
  "error.POPUP_BLOCKED": "Het wallet-venster is geblokkeerd. Sta pop-ups toe en probeer het opnieuw.",
  "error.TIMEOUT": "De wallet reageerde te laat. Probeer het opnieuw.",
  "error.NETWORK": "Netwerkprobleem. Controleer uw verbinding en probeer het opnieuw.",
  "error.HANDLE_EXPIRED": "Deze pagina is verlopen. Laad haar opnieuw en probeer het nog eens.",
  "error.HANDLE_REPLAYED": "Deze pagina is al gebruikt. Laad haar opnieuw en probeer het nog eens.",
  "error.HANDLE_UNBOUND": "Uw browser heeft een benodigde cookie geblokkeerd. Sta cookies toe voor deze site en laad de pagina opnieuw.",
  "error.RATE_LIMITED": "Te veel pogingen. Wacht even en probeer het opnieuw.",
  "error.CARD_INACTIVE": "Deze kaart kan niet aan een wallet worden toegevoegd. Neem contact op met uw bank.",
  toRequestor: "U gaat naar {wallet}…",
  "error.WALLET_UNAVAILABLE": "Deze wallet is hier niet beschikbaar. Probeer een andere.",
};
