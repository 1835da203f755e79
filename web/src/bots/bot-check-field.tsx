/** A bot editor field that is one checkbox under the field's legend; what the box shows (the temperature slider) follows. */
import type { ReactNode } from "react";

type BotCheckFieldProps = {
  legend: string;
  /** The checkbox's own label. */
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  children?: ReactNode;
};

export function BotCheckField({ legend, label, checked, onChange, children }: BotCheckFieldProps) {
  return (
    <fieldset className="bot-editor-field">
      <legend>{legend}</legend>
      <label className="bot-editor-check">
        <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
        {label}
      </label>
      {children}
    </fieldset>
  );
}
