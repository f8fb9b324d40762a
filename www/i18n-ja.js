// The widget's words in Japanese (www/i18n.js loads this module for a page in that language;
// a missing key falls back to English).
export default {
  add: "{wallet}に追加",
  addLong: "{wallet}に追加（末尾{last4}のカード）",
  adding: "追加しています…",
  added: "{wallet}に追加済み",
  addedLong: "{wallet}に追加済み（末尾{last4}のカード）",
  inWallet: "{wallet}のウィンドウで続けてください",
  cancelled: "キャンセルしました。もう一度お試しいただけます。",
  unavailable: "このカードをここで追加できるウォレットはありません。",
  error: "カードを追加できませんでした。もう一度お試しください。",
  errorFinal: "カードを追加できませんでした。ご利用の銀行にお問い合わせください。",
  "error.POPUP_BLOCKED": "ウォレットのウィンドウがブロックされました。ポップアップを許可して、もう一度お試しください。",
  "error.TIMEOUT": "ウォレットの応答に時間がかかりすぎました。もう一度お試しください。",
  "error.NETWORK": "ネットワークの問題です。接続を確認して、もう一度お試しください。",
  "error.HANDLE_EXPIRED": "このページの有効期限が切れました。再読み込みして、もう一度お試しください。",
  "error.HANDLE_REPLAYED": "このページはすでに使用されています。再読み込みして、もう一度お試しください。",
  "error.HANDLE_UNBOUND": "ブラウザーが必要な Cookie をブロックしました。このサイトの Cookie を許可して、ページを再読み込みしてください。",
  "error.RATE_LIMITED": "試行回数が多すぎます。しばらく待ってから、もう一度お試しください。",
  "error.CARD_INACTIVE": "このカードはウォレットに追加できません。ご利用の銀行にお問い合わせください。",
  toRequestor: "{wallet}に移動しています…",
  "error.WALLET_UNAVAILABLE": "このウォレットはここでは利用できません。別のウォレットをお試しください。",
};
