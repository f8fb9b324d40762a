// The widget's words in Arabic, written right to left (www/i18n.js loads this module for a page
// in that language, and the frame lays itself out right to left; a missing key falls back to
// English).
export default {
  add: "إضافة إلى {wallet}",
  addLong: "إضافة إلى {wallet}، البطاقة المنتهية بـ {last4}",
  adding: "جارٍ الإضافة…",
  added: "أُضيفت إلى {wallet}",
  addedLong: "أُضيفت إلى {wallet}، البطاقة المنتهية بـ {last4}",
  inWallet: "تابع في نافذة {wallet}",
  cancelled: "أُلغيت العملية. يمكنك المحاولة مرة أخرى.",
  unavailable: "لا تتوفر هنا أي محفظة لهذه البطاقة.",
  error: "تعذّرت إضافة البطاقة. يُرجى المحاولة مرة أخرى.",
  errorFinal: "تعذّرت إضافة البطاقة. يُرجى التواصل مع مصرفك.",
  "error.POPUP_BLOCKED": "حُظرت نافذة المحفظة. اسمح بالنوافذ المنبثقة وحاول مرة أخرى.",
  "error.TIMEOUT": "استغرقت المحفظة وقتًا طويلًا للرد. يُرجى المحاولة مرة أخرى.",
  "error.NETWORK": "مشكلة في الشبكة. تحقّق من اتصالك وحاول مرة أخرى.",
  "error.HANDLE_EXPIRED": "انتهت صلاحية هذه الصفحة. أعد تحميلها وحاول مرة أخرى.",
  "error.HANDLE_REPLAYED": "استُخدمت هذه الصفحة من قبل. أعد تحميلها وحاول مرة أخرى.",
  "error.HANDLE_UNBOUND": "حظر متصفحك ملف تعريف ارتباط مطلوبًا. اسمح بملفات تعريف الارتباط لهذا الموقع ثم أعد تحميل الصفحة.",
  "error.RATE_LIMITED": "محاولات كثيرة جدًا. انتظر لحظة ثم حاول مرة أخرى.",
  "error.CARD_INACTIVE": "لا يمكن إضافة هذه البطاقة إلى محفظة. يُرجى التواصل مع مصرفك.",
  toRequestor: "جارٍ الانتقال إلى {wallet}…",
  "error.WALLET_UNAVAILABLE": "هذه المحفظة غير متاحة هنا. جرّب محفظة أخرى.",
};
