// The widget's words in French (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "Ajouter à {wallet}",
  addLong: "Ajouter à {wallet}, carte se terminant par {last4}",
  adding: "Ajout en cours…",
  added: "Ajoutée à {wallet}",
  addedLong: "Ajoutée à {wallet}, carte se terminant par {last4}",
  inWallet: "Continuez dans la fenêtre {wallet}",
  cancelled: "Annulé. Vous pouvez réessayer.",
  unavailable: "Aucun portefeuille n'est disponible ici pour cette carte.",
  error: "La carte n'a pas pu être ajoutée. Veuillez réessayer.",
  errorFinal: "La carte ne peut pas être ajoutée ici. Veuillez contacter votre banque.",
  "error.POPUP_BLOCKED": "La fenêtre du portefeuille a été bloquée. Autorisez les fenêtres et réessayez.",
  "error.TIMEOUT": "Le portefeuille a mis trop de temps à répondre. Veuillez réessayer.",
  "error.NETWORK": "Problème de réseau. Vérifiez votre connexion et réessayez.",
  "error.HANDLE_EXPIRED": "Cette page a expiré. Rechargez-la et réessayez.",
  "error.HANDLE_REPLAYED": "Cette page a déjà servi. Rechargez-la et réessayez.",
  "error.HANDLE_UNBOUND": "Votre navigateur a bloqué un cookie nécessaire. Autorisez les cookies pour ce site et rechargez la page.",
  "error.RATE_LIMITED": "Trop de tentatives. Patientez un instant et réessayez.",
  "error.CARD_INACTIVE": "Cette carte ne peut pas être ajoutée à un portefeuille. Veuillez contacter votre banque.",
  toRequestor: "Redirection vers {wallet}…",
  "error.WALLET_UNAVAILABLE": "Ce portefeuille n'est pas disponible ici. Essayez-en un autre.",
};
