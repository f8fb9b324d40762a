// The widget's words in Spanish (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "Añadir a {wallet}",
  addLong: "Añadir a {wallet}, tarjeta terminada en {last4}",
  adding: "Añadiendo…",
  added: "Añadida a {wallet}",
  addedLong: "Añadida a {wallet}, tarjeta terminada en {last4}",
  inWallet: "Continúe en la ventana de {wallet}",
  cancelled: "Cancelado. Puede volver a intentarlo.",
  unavailable: "No hay ningún monedero disponible aquí para esta tarjeta.",
  error: "No se pudo añadir la tarjeta. Inténtelo de nuevo.",
  errorFinal: "La tarjeta no se puede añadir aquí. Póngase en contacto con su banco.",
  "error.POPUP_BLOCKED": "Se bloqueó la ventana del monedero. Permita las ventanas emergentes e inténtelo de nuevo.",
  "error.TIMEOUT": "El monedero tardó demasiado en responder. Inténtelo de nuevo.",
  "error.NETWORK": "Problema de red. Compruebe su conexión e inténtelo de nuevo.",
  "error.HANDLE_EXPIRED": "Esta página ha caducado. Recárguela e inténtelo de nuevo.",
  "error.HANDLE_REPLAYED": "Esta página ya se usó. Recárguela e inténtelo de nuevo.",
  "error.HANDLE_UNBOUND": "Su navegador bloqueó una cookie necesaria. Permita las cookies para este sitio y recargue la página.",
  "error.RATE_LIMITED": "Demasiados intentos. Espere un momento e inténtelo de nuevo.",
  "error.CARD_INACTIVE": "Esta tarjeta no se puede añadir a un monedero. Póngase en contacto con su banco.",
  toRequestor: "Le llevamos a {wallet}…",
  "error.WALLET_UNAVAILABLE": "Este monedero no está disponible aquí. Pruebe con otro.",
};
