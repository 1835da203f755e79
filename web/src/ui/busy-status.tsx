/** A status line with a spinner: something is under way (loading, reconnecting), and screen readers are told. */
import type { ReactNode } from "react";

export function BusyStatus({ className, children }: { className: string; children: ReactNode }) {
  return (
    <div className={className} role="status">
      <span className="spinner" aria-hidden="true" />
      {children}
    </div>
  );
}
