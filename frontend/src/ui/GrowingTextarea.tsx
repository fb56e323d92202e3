import { useLayoutEffect, useRef, type Ref, type RefObject, type TextareaHTMLAttributes } from "react";

type Props = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange"> & {
  value: string; onChange: (value: string) => void; ref?: Ref<HTMLTextAreaElement>;
};

/** A textarea that grows with its text (up to most of the window; then it scrolls). */
export function GrowingTextarea({ value, onChange, ref, className, rows = 2, ...rest }: Props) {
  const own = useRef<HTMLTextAreaElement | null>(null);
  useLayoutEffect(() => {
    const area = own.current;
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${area.scrollHeight + 2}px`;
  }, [value]);
  return (
    <textarea spellCheck {...rest} className={`input grow ${className ?? ""}`} rows={rows} value={value}
      ref={(node) => {
        own.current = node;
        if (typeof ref === "function") ref(node);
        else if (ref) (ref as RefObject<HTMLTextAreaElement | null>).current = node;
      }}
      onChange={(e) => onChange(e.target.value)} />
  );
}
