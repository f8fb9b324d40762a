// The widget's words in Polish (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "Dodaj do {wallet}",
  addLong: "Dodaj do {wallet}, karta z końcówką {last4}",
  adding: "Dodawanie…",
  added: "Dodano do {wallet}",
  addedLong: "Dodano do {wallet}, karta z końcówką {last4}",
  inWallet: "Kontynuuj w oknie {wallet}",
  cancelled: "Anulowano. Możesz spróbować ponownie.",
  unavailable: "Dla tej karty nie jest tu dostępny żaden portfel.",
  error: "Nie udało się dodać karty. Spróbuj ponownie.",
  errorFinal: "Nie udało się dodać karty. Skontaktuj się ze swoim bankiem.",
  "error.POPUP_BLOCKED": "Okno portfela zostało zablokowane. Zezwól na wyskakujące okna i spróbuj ponownie.",
  "error.TIMEOUT": "Portfel zbyt długo nie odpowiadał. Spróbuj ponownie.",
  "error.NETWORK": "Problem z siecią. Sprawdź połączenie i spróbuj ponownie.",
  "error.HANDLE_EXPIRED": "Ta strona wygasła. Odśwież ją i spróbuj ponownie.",
  "error.HANDLE_REPLAYED": "Ta strona została już użyta. Odśwież ją i spróbuj ponownie.",
  "error.HANDLE_UNBOUND": "Przeglądarka zablokowała potrzebny plik cookie. Zezwól na pliki cookie dla tej witryny i odśwież stronę.",
  "error.RATE_LIMITED": "Zbyt wiele prób. Odczekaj chwilę i spróbuj ponownie.",
  "error.CARD_INACTIVE": "Tej karty nie można dodać do portfela. Skontaktuj się ze swoim bankiem.",
  toRequestor: "Przekierowanie do {wallet}…",
  "error.WALLET_UNAVAILABLE": "Ten portfel nie jest tu dostępny. Wybierz inny.",
};
