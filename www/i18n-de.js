// The widget's words in German (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "Zu {wallet} hinzufügen",
  addLong: "Zu {wallet} hinzufügen, Karte mit Endziffern {last4}",
  adding: "Wird hinzugefügt…",
  added: "Zu {wallet} hinzugefügt",
  addedLong: "Zu {wallet} hinzugefügt, Karte mit Endziffern {last4}",
  inWallet: "Im Fenster von {wallet} fortfahren",
  cancelled: "Abgebrochen. Sie können es erneut versuchen.",
  unavailable: "Für diese Karte ist hier kein Wallet verfügbar.",
  error: "Die Karte konnte nicht hinzugefügt werden. Bitte erneut versuchen.",
  errorFinal: "Die Karte kann hier nicht hinzugefügt werden. Bitte wenden Sie sich an Ihre Bank.",
  "error.POPUP_BLOCKED": "Das Wallet-Fenster wurde blockiert. Pop-ups erlauben und erneut versuchen.",
  "error.TIMEOUT": "Das Wallet hat zu lange nicht geantwortet. Bitte erneut versuchen.",
  "error.NETWORK": "Netzwerkproblem. Verbindung prüfen und erneut versuchen.",
  "error.HANDLE_EXPIRED": "Diese Seite ist abgelaufen. Neu laden und erneut versuchen.",
  "error.HANDLE_REPLAYED": "Diese Seite wurde bereits verwendet. Neu laden und erneut versuchen.",
  "error.HANDLE_UNBOUND": "Ihr Browser hat ein benötigtes Cookie blockiert. Erlauben Sie Cookies für diese Website und laden Sie die Seite neu.",
  "error.RATE_LIMITED": "Zu viele Versuche. Warten Sie einen Moment und versuchen Sie es erneut.",
  "error.CARD_INACTIVE": "Diese Karte kann keinem Wallet hinzugefügt werden. Bitte wenden Sie sich an Ihre Bank.",
  toRequestor: "Weiter zu {wallet}…",
  "error.WALLET_UNAVAILABLE": "Dieses Wallet ist hier nicht verfügbar. Bitte ein anderes versuchen.",
};
