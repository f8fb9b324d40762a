// <WalletPushButton>: the widget as a React component. It renders one element and mounts the
// widget into it once the shim has loaded (see index.js `load`); the callbacks are props and
// may change on every render without remounting. Under StrictMode (mount, unmount, mount) and
// on unmount it destroys what it mounted, so a page ends with exactly one frame per component.
import { createElement, useEffect, useRef } from "react";
import { load } from "./index.js";

const EVENTS = ["ready", "unavailable", "click", "progress", "success", "cancel", "error"];
const callbackName = (event) => `on${event[0].toUpperCase()}${event.slice(1)}`;

export function WalletPushButton(props) {
  const { origin, integrity, nonce, timeoutMs, handle, wallets, locale, mode, theme, timeouts, title, className, id } = props;
  const element = useRef(null);
  const controller = useRef(null);
  const latest = useRef(props);
  latest.current = props;
  const options = { handle, wallets, locale, mode, theme, timeouts, title };
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    let active = true;
    const callbacks = Object.fromEntries(
      EVENTS.map((event) => [callbackName(event), (detail) => latest.current[callbackName(event)]?.(detail)]),
    );
    load({ origin, integrity, nonce, timeoutMs }).then(
      (api) => {
        if (!active || !element.current) return;
        controller.current = api.mount(element.current, { ...defined(optionsRef.current), ...callbacks });
      },
      (error) => {
        if (active) latest.current.onLoadError?.(error);
      },
    );
    return () => {
      active = false;
      controller.current?.destroy();
      controller.current = null;
    };
  }, [origin, integrity, nonce, timeoutMs]);

  // Later changes of the options reach the mounted widget (a fresh handle, another locale).
  const key = JSON.stringify(defined(options));
  useEffect(() => {
    controller.current?.update(defined(optionsRef.current));
  }, [key]);

  return createElement("div", { ref: element, className, id });
}

/** `options` without its undefined entries, so they do not override the widget's defaults. */
function defined(options) {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
