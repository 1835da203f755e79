/** A button that shows only an icon: its name is both what a screen reader says and the tooltip on hover. */
import type { ComponentProps } from "react";

type IconButtonProps = Omit<ComponentProps<"button">, "type" | "aria-label" | "title"> & {
  /** The button's name. */
  label: string;
};

/** `className` is "icon-button" unless told (another look, or "icon-button" with a modifier). */
export function IconButton({ label, className = "icon-button", ...button }: IconButtonProps) {
  return <button type="button" className={className} aria-label={label} title={label} {...button} />;
}
