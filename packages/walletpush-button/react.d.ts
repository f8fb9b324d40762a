// Types of <WalletPushButton> (react.js).
import type { ReactElement } from "react";
import type { LoadOptions, MountOptions, WalletPushLoadError } from "./index.js";

export interface WalletPushButtonProps extends MountOptions, LoadOptions {
  /** The shim could not be loaded (see WalletPushLoadError's `reason`). */
  onLoadError?: (error: WalletPushLoadError) => void;
  className?: string;
  id?: string;
}

/** The widget in one element; one widget under StrictMode; destroyed on unmount. */
export declare function WalletPushButton(props: WalletPushButtonProps): ReactElement;
