import { useEffect, useId, useRef, useState, type InputHTMLAttributes, type ReactNode } from "react";
import { formatDate, toDate } from "./api.ts";
import { Link } from "./router.tsx";
import { asText } from "./text.ts";

/** A readable error sentence, announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : asText(error);
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** A page whose subject could not be loaded: the way back, the name it was asked by, and why. */
export function LoadFailed(props: { back: { href: string; label: string }; title: string; error: unknown }) {
  return (
    <section>
      <p>
        <Link href={props.back.href}>← {props.back.label}</Link>
      </p>
      <h1>{props.title}</h1>
      <ErrorMessage error={props.error} />
    </section>
  );
}

/** A labelled input whose text lives in the caller's state: `onValue` gets each new text. */
export function LabelledInput(
  props: { label: string; value: string; onValue: (value: string) => void } & Omit<
    InputHTMLAttributes<HTMLInputElement>,
    "value" | "onChange"
  >,
) {
  const { label, onValue, ...input } = props;
  return (
    <label>
      {label}
      <input {...input} onChange={(e) => onValue(e.target.value)} />
    </label>
  );
}

/** A date and time in local time, with the exact instant (ISO, UTC) for machines and on hover. */
export function LocalTime({ value, fallback = "—" }: { value: unknown; fallback?: string }) {
  const date = toDate(value);
  if (!date) return <>{fallback}</>;
  const iso = date.toISOString();
  return (
    <time dateTime={iso} title={iso}>
      {formatDate(date.getTime())}
    </time>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/** Sets the document title so each page reads well in history and for screen readers. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Gatehouse` : "Gatehouse";
  }, [title]);
}

/**
 * Copies `text` and says so. The visible word changes (Copy → Copied); `what` completes the accessible name
 * ("Copy callback URL") without hiding the visible word from it.
 */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          navigator.clipboard
            .writeText(text)
            .then(() => setCopied("copied"))
            .catch(() => setCopied("failed"));
        }}
      >
        {copied === "copied" ? "Copied" : "Copy"}
        <span className="visually-hidden"> {what}</span>
      </button>
      <span className="visually-hidden" role="status" aria-live="polite">
        {copied === "copied"
          ? "Copied to the clipboard"
          : copied === "failed"
            ? "Copy failed; select the text"
            : ""}
      </span>
    </>
  );
}

/** A modal confirmation on the native <dialog>, which traps focus and closes on Escape. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={props.onCancel} className="dialog">
      <h2 id={titleId}>{props.title}</h2>
      <div>{props.children}</div>
      <div className="actions">
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** A column heading: its text, or `{ actions: true }` for a column of buttons, whose heading is for screen readers. */
export type Column = string | { label: string; numeric?: boolean } | { actions: true };

/**
 * The hub's own tables (tokens, connections, integrations, users): a scrolling wrapper, a caption for screen
 * readers and one heading row; with `cardsOnPhone` each row becomes a card on a narrow screen (its cells'
 * `data-label`s name the fields). The rows are the children.
 */
export function DataTable(props: {
  caption: string;
  columns: Column[];
  cardsOnPhone?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={props.cardsOnPhone ? "data-table cards-on-phone" : "data-table"}>
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) =>
              typeof column === "string" ? (
                <th scope="col" key={column}>
                  {column}
                </th>
              ) : "actions" in column ? (
                <th scope="col" key="actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : (
                <th scope="col" key={column.label} className={column.numeric ? "num" : undefined}>
                  {column.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
