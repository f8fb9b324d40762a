// The mark at the start of a wallet button, one per wallet kind: inline SVG of our own constant
// markup (no request, no style attribute), in a 24 x 24 box, stroked in the button's text colour
// (`.mark` in frame.css and adapter.css). The sandbox wallet's is its own (its teal wallet);
// Google's, Apple's and Token Connect's buttons, which those wallets draw themselves once their
// scripts load, get neutral marks of ours, no brand artwork: a card, a phone holding a card, a
// card with an arrow into it (docs/design.md §6).
export const CARD = '<rect x="2" y="5" width="20" height="14" rx="3"/><path d="M2 10h20M6 15h5"/>';
export const PHONE = '<rect x="6" y="2" width="12" height="20" rx="3"/><path d="M9 8h6M10 18h4"/>';
const MARKS = {
  "walletpush/1": '<rect x="2" y="4" width="20" height="16" rx="4" fill="#0f766e"/><rect x="13" y="10" width="9" height="6" rx="2" fill="#14b8a6"/>',
  apple: PHONE,
  "token-connect": '<rect x="2" y="3" width="16" height="11" rx="2"/><path d="M18 12v10m-4-4 4 4 4-4"/>',
};

/** The markup of a mark drawn by `shapes`, hidden from assistive technology. */
export const svg = (shapes) => `<svg class="mark" viewBox="0 0 24 24" aria-hidden="true">${shapes}</svg>`;

/** The mark of a wallet `kind` (another kind, Google's too, gets the card). */
export const mark = (kind) => svg(Object.hasOwn(MARKS, kind) ? MARKS[kind] : CARD);
