// The widget's words in Portuguese (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "Adicionar a {wallet}",
  addLong: "Adicionar a {wallet}, cartão terminado em {last4}",
  adding: "A adicionar…",
  added: "Adicionado a {wallet}",
  addedLong: "Adicionado a {wallet}, cartão terminado em {last4}",
  inWallet: "Continue na janela de {wallet}",
  cancelled: "Cancelado. Pode tentar novamente.",
  unavailable: "Nenhuma carteira está disponível aqui para este cartão.",
  error: "Não foi possível adicionar o cartão. Tente novamente.",
  errorFinal: "Não foi possível adicionar o cartão. Contacte o seu banco.",
  "error.POPUP_BLOCKED": "A janela da carteira foi bloqueada. Permita pop-ups e tente novamente.",
  "error.TIMEOUT": "A carteira demorou demasiado a responder. Tente novamente.",
  "error.NETWORK": "Problema de rede. Verifique a ligação e tente novamente.",
  "error.HANDLE_EXPIRED": "Esta página expirou. Recarregue-a e tente novamente.",
  "error.HANDLE_REPLAYED": "Esta página já foi usada. Recarregue-a e tente novamente.",
  "error.HANDLE_UNBOUND": "O seu navegador bloqueou um cookie necessário. Permita cookies para este site e recarregue a página.",
  "error.RATE_LIMITED": "Demasiadas tentativas. Aguarde um momento e tente novamente.",
  "error.CARD_INACTIVE": "Este cartão não pode ser adicionado a uma carteira. Contacte o seu banco.",
  toRequestor: "A redirecionar para {wallet}…",
  "error.WALLET_UNAVAILABLE": "Esta carteira não está disponível aqui. Experimente outra.",
};
