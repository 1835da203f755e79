/** The bar at the top of a page: the button that opens a closed sidebar, then the page's own controls. */
import type { ReactNode } from "react";
import { useTranslation } from "../i18n/translation.js";
import { IconButton } from "./icon-button.js";
import { SidebarIcon } from "./icons.js";

type PageHeaderProps = {
  sidebarOpen: boolean;
  onOpenSidebar: () => void;
  children?: ReactNode;
};

export function PageHeader({ sidebarOpen, onOpenSidebar, children }: PageHeaderProps) {
  const { t } = useTranslation();
  return (
    <header className="chat-header">
      {!sidebarOpen && (
        <IconButton
          className="icon-button header-sidebar-button"
          label={t("sidebar.open")}
          onClick={onOpenSidebar}
        >
          <SidebarIcon />
        </IconButton>
      )}
      {children}
    </header>
  );
}
