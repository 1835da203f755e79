/** A limit as typed: a whole number of 1 or more, or empty for none of its own (the account's, the server's). */
import type { InputHTMLAttributes } from "react";

type LimitInputProps = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  "type" | "min" | "step" | "inputMode" | "className" | "value" | "onChange"
> & { value: string; onChange: (value: string) => void };

export function LimitInput({ onChange, ...attributes }: LimitInputProps) {
  return (
    <input
      className="text-input"
      type="number"
      min={1}
      step={1}
      inputMode="numeric"
      {...attributes}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
