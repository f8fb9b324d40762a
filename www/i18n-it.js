// The widget's words in Italian (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "Aggiungi a {wallet}",
  addLong: "Aggiungi a {wallet}, carta che termina con {last4}",
  adding: "Aggiunta in corso…",
  added: "Aggiunta a {wallet}",
  addedLong: "Aggiunta a {wallet}, carta che termina con {last4}",
  inWallet: "Continua nella finestra di {wallet}",
  cancelled: "Annullato. Puoi riprovare.",
  unavailable: "Nessun wallet disponibile qui per questa carta.",
  error: "Impossibile aggiungere la carta. Riprova.",
  errorFinal: "La carta non può essere aggiunta qui. Contatta la tua banca.",
  "error.POPUP_BLOCKED": "La finestra del wallet è stata bloccata. Consenti i pop-up e riprova.",
  "error.TIMEOUT": "Il wallet ha impiegato troppo a rispondere. Riprova.",
  "error.NETWORK": "Problema di rete. Controlla la connessione e riprova.",
  "error.HANDLE_EXPIRED": "Questa pagina è scaduta. Ricaricala e riprova.",
  "error.HANDLE_REPLAYED": "Questa pagina è già stata usata. Ricaricala e riprova.",
  "error.HANDLE_UNBOUND": "Il browser ha bloccato un cookie necessario. Consenti i cookie per questo sito e ricarica la pagina.",
  "error.RATE_LIMITED": "Troppi tentativi. Attendi un momento e riprova.",
  "error.CARD_INACTIVE": "Questa carta non può essere aggiunta a un wallet. Contatta la tua banca.",
  toRequestor: "Ti stiamo portando a {wallet}…",
  "error.WALLET_UNAVAILABLE": "Questo wallet non è disponibile qui. Provane un altro.",
};
