/**
 * A link to one of the app's own pages: a plain click opens it in place; a click with a modifier or another
 * button (new tab, new window) is left to the browser, which follows the href.
 */
import type { ComponentProps } from "react";

type AppLinkProps = Omit<ComponentProps<"a">, "href" | "onClick"> & {
  href: string;
  /** Opens the page in place. */
  onOpen: () => void;
};

export function AppLink({ href, onOpen, ...link }: AppLinkProps) {
  return (
    <a
      href={href}
      {...link}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        onOpen();
      }}
    />
  );
}
