/** An account page's table: a scroller for narrow screens, a row of column names, and a last column of row actions. */
import type { ReactNode } from "react";

export function AccountTable({
  className,
  columns,
  actionsLabel,
  children,
}: {
  className: string;
  columns: readonly string[];
  /** Read to screen readers only: the actions column shows no name. */
  actionsLabel: string;
  /** The rows. */
  children: ReactNode;
}) {
  return (
    <div className="account-table-scroller">
      <table className={`account-table ${className}`}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">{actionsLabel}</span>
            </th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
