// Types of the walletpush widget as a host page sees it (docs/design.md §5, §6): the options of
// `mount()`, its controller, every event's `detail`, the error codes, `<wallet-push-button>`,
// and this package's loader.
import type { ErrorCode } from "./codes.js";

export type { ErrorCode } from "./codes.js";
export { ERROR_CODES, RETRYABLE_CODES } from "./codes.js";

/** Colours `#rgb`/`#rrggbb`, radius in `px`, `rem` or `em`. */
export interface Theme {
  accent?: string;
  accentText?: string;
  radius?: string;
}

/** Milliseconds, clamped to 1 s … 10 min. */
export interface Timeouts {
  /** How long the wallet may take (default 120000). */
  wallet?: number;
  /** How long the issuer API may take (default 15000). */
  issuer?: number;
}

export type Mode = "popup" | "auto" | "redirect";

/** The languages the widget speaks; others fall back to English. */
export type Locale = "en" | "fr" | "de" | "es" | "it" | "nl" | (string & {});

/** Why a wallet gets no button (the `unavailable` event). */
export type UnavailableCause =
  | "not-allowed-by-handle"
  | "not-configured"
  | "missing-integrator-id"
  | "missing-partner-id"
  | "missing-token-requestor"
  | "browser-not-supported"
  | "script-failed"
  | "script-timeout"
  | "entry-missing"
  | "init-failed"
  | ErrorCode;

export type ProgressStep = "wallet-opened" | "session-verified" | "handed-off" | "redirecting";

export interface ReadyDetail {
  /** The wallets that got a button, in the page's order. */
  wallets: string[];
  last4: string;
}
export interface UnavailableDetail {
  wallet: string;
  cause: UnavailableCause;
}
export interface ClickDetail {
  wallet: string;
}
export interface ProgressDetail {
  step: ProgressStep;
  wallet: string;
  /** The attempt's correlation id (the issuer API's `X-Walletpush-Correlation-Id`). */
  cid: string;
}
export interface SuccessDetail {
  wallet: string;
  token_ref: string;
  last4: string;
  cid: string;
  /**
   * `false` for Token Connect, whose requestor returns unsigned and names no token (then the
   * detail is `{wallet, verified: false, cid}`: confirm with MDES); absent for a wallet's
   * verified result.
   */
  verified?: false;
}
export interface CancelDetail {
  wallet: string;
  code: "USER_CANCELLED";
  cid: string;
}
export interface ErrorDetail {
  code: ErrorCode;
  /** For the developer, in English; never card data. */
  message: string;
  retryable: boolean;
  wallet?: string;
  cid?: string;
}

/** Each event's `detail`, by event name. */
export interface WalletPushEventMap {
  ready: ReadyDetail;
  unavailable: UnavailableDetail;
  click: ClickDetail;
  progress: ProgressDetail;
  success: SuccessDetail;
  cancel: CancelDetail;
  error: ErrorDetail;
}
export type WalletPushEventName = keyof WalletPushEventMap;
export type WalletPushListener<K extends WalletPushEventName> = (detail: WalletPushEventMap[K]) => void;

/** The callbacks of `mount()`'s options, one per event: `onReady`, `onSuccess`, ... */
export type WalletPushCallbacks = {
  [K in WalletPushEventName as `on${Capitalize<K>}`]?: WalletPushListener<K>;
};

export interface MountOptions extends WalletPushCallbacks {
  /** The card handle your backend minted (required). */
  handle: string;
  /** Wallet ids, space-separated or an array (default "sandbox"). */
  wallets?: string | readonly string[];
  /** Default: the page's `lang`. */
  locale?: Locale;
  /** Default "popup". */
  mode?: Mode;
  theme?: Theme;
  timeouts?: Timeouts;
  /** The frame's title, for screen readers (default "Add card to wallet"). */
  title?: string;
}

/** The first outcome of the widget: what `controller.result` resolves with. */
export type Outcome =
  | ({ status: "success" } & SuccessDetail)
  | ({ status: "cancelled" } & CancelDetail)
  | ({ status: "error" } & ErrorDetail);

/** What `mount()` returns. */
export interface Controller {
  on<K extends WalletPushEventName>(name: K, listener: WalletPushListener<K>): this;
  off<K extends WalletPushEventName>(name: K, listener: WalletPushListener<K>): this;
  /** Changes options, e.g. a fresh handle after HANDLE_REPLAYED or HANDLE_EXPIRED. */
  update(options: Partial<MountOptions>): this;
  /** Removes the frame and forgets the element. */
  destroy(): void;
  /** The first success, cancellation or non-retryable error. */
  readonly result: Promise<Outcome>;
}

/** `window.WalletPush`, which the shim defines. */
export interface WalletPushApi {
  readonly version: string;
  /** The widget origin the shim came from. */
  readonly origin: string;
  mount(element: Element, options: MountOptions): Controller;
  readonly errorCodes: readonly ErrorCode[];
}

export interface LoadOptions {
  /** The widget origin, e.g. "https://walletpush.bank.example". */
  origin: string;
  /** The shim's `sha384-…` from the widget's manifest.json; strongly recommended. */
  integrity?: string;
  /** A CSP nonce for the script tag, if the page's policy works with nonces. */
  nonce?: string;
  /** Default 15000. */
  timeoutMs?: number;
}

export type LoadFailureReason =
  | "no-dom"
  | "options"
  | "conflict"
  | "csp"
  | "http"
  | "integrity"
  | "blocked"
  | "not-walletpush"
  | "timeout";

/** What `load()` rejects with. */
export declare class WalletPushLoadError extends Error {
  readonly name: "WalletPushLoadError";
  readonly code: "LOAD_FAILED";
  readonly reason: LoadFailureReason;
  /** The shim's URL. */
  readonly url: string;
  /** The HTTP status, for reason "http". */
  readonly status?: number;
}

export declare const DEFAULT_LOAD_TIMEOUT_MS: number;

/** Loads the shim once per page (an existing script tag for it is reused). */
export declare function load(options: LoadOptions): Promise<WalletPushApi>;

/** Loads the shim, then mounts the widget into `element`. */
export declare function mount(element: Element, options: MountOptions, loadOptions: LoadOptions): Promise<Controller>;

/** `<wallet-push-button handle="…" wallets="…" locale="…" mode="…">`. */
export interface WalletPushButtonElement extends HTMLElement {
  controller: Controller | null;
}

declare global {
  interface HTMLElementTagNameMap {
    "wallet-push-button": WalletPushButtonElement;
  }
  interface Window {
    WalletPush?: WalletPushApi;
  }
}
