/** A native <dialog> shown as a modal once mounted (focus trap and Esc for free): give the ref to the element. */
import { useEffect, useRef } from "react";

export function useModalDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    // No close() on cleanup: that fires "close", which would unmount the dialog React is only re-running.
    if (element && !element.open) element.showModal();
  }, []);
  return dialog;
}
