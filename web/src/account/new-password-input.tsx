/** A field for a new password: as long as the server asks, and one the browser may offer to make up and remember. */
import { MIN_PASSWORD_LENGTH } from "../../../src/core/user.js";

export function NewPasswordInput({
  id,
  value,
  onChange,
  describedBy,
  checkLength = true,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  describedBy?: string;
  /** False for a second copy of the password, which is checked against the first instead. */
  checkLength?: boolean;
}) {
  return (
    <input
      id={id}
      className="text-input"
      type="password"
      required
      {...(checkLength && { minLength: MIN_PASSWORD_LENGTH })}
      autoComplete="new-password"
      aria-describedby={describedBy}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
