import type { AnchorHTMLAttributes } from "react";
import { navigate } from "../router";

/** An anchor that navigates inside the app (a modified click still opens a new tab). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return (
    <a href={href} {...rest} onClick={(event) => {
      onClick?.(event);
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
        || event.shiftKey) return;
      event.preventDefault();
      navigate(href);
    }} />
  );
}
