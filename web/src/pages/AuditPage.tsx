import { useEffect, useState, type SubmitEvent } from "react";
import { api } from "../api.ts";
import { DataTable, ErrorMessage, Loading, LocalTime, usePageTitle } from "../components.tsx";
import { useAction } from "../useAction.ts";
import { AUDIT_ACTIONS, type AuditEventView as AuditRow } from "../../../src/api/identity.ts";

interface Filters {
  action: string;
  actor: string;
  /** A local date (yyyy-mm-dd) from the date input, or "". */
  since: string;
}

const FAMILIES = [...new Set(AUDIT_ACTIONS.map((action) => action.split(".")[0]!))];

/** The query string for one page of events. */
function queryOf(filters: Filters, cursor: string | null): string {
  const params = new URLSearchParams({ limit: "50" });
  if (filters.action) params.set("action", filters.action);
  if (filters.actor.trim()) params.set("actor", filters.actor.trim());
  if (filters.since) params.set("since", new Date(`${filters.since}T00:00:00`).toISOString());
  if (cursor) params.set("cursor", cursor);
  return params.toString();
}

/** An event's details as short "key: value" text (never secret: the hub records none). */
function detailsText(event: AuditRow): string {
  const parts = Object.entries(event.details).map(
    ([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
  if (event.count > 1) parts.unshift(`×${event.count}`);
  return parts.join(" · ");
}

/** The audit trail, newest first, filtered by action, actor and date; read only, as the API is. */
export function AuditPage() {
  usePageTitle("Audit");
  const [draft, setDraft] = useState<Filters>({ action: "", actor: "", since: "" });
  const [events, setEvents] = useState<AuditRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [filters, setFilters] = useState<Filters | null>(null);
  const { busy, error, run } = useAction();

  const load = (wanted: Filters, cursor: string | null) =>
    run(async () => {
      const page = await api.get<{ events: AuditRow[]; next: string | null }>(
        `/api/admin/audit?${queryOf(wanted, cursor)}`,
      );
      setEvents((current) => (cursor && current ? [...current, ...page.events] : page.events));
      setNext(page.next);
      setFilters(wanted);
    });

  // The newest events, once, when the page opens.
  useEffect(() => {
    void load({ action: "", actor: "", since: "" }, null);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on open; later loads are the form's
  }, []);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    void load(draft, null);
  }

  return (
    <section>
      <h1>Audit trail</h1>
      <p className="muted">
        Admin changes, sign-ins, connections, personal access tokens and token issuance (counted per minute).
        Nothing here can be edited or deleted; events older than the retention period are pruned. Export with{" "}
        <code>gatehouse audit export --since 30d</code>.
      </p>
      <form className="inline-form" onSubmit={submit} aria-label="Filter the audit trail">
        <label>
          Action
          <select value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">Every action</option>
            {FAMILIES.map((family) => (
              <optgroup key={family} label={family}>
                <option value={family}>{family}: all</option>
                {AUDIT_ACTIONS.filter((action) => action.startsWith(`${family}.`)).map((action) => (
                  <option key={action} value={action}>
                    {action}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          Actor
          <input
            value={draft.actor}
            placeholder="email or user id"
            onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
          />
        </label>
        <label>
          Since
          <input
            type="date"
            value={draft.since}
            onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          />
        </label>
        <button type="submit" disabled={busy}>
          Show
        </button>
      </form>
      <ErrorMessage error={error} />
      {events === null ? <Loading /> : null}
      {events && events.length === 0 ? <p className="empty">No events match.</p> : null}
      {events && events.length > 0 ? (
        <DataTable
          caption="Audit events"
          cardsOnPhone
          columns={["Time", "Action", "Actor", "Target", "Details"]}
        >
          {events.map((event) => (
            <tr key={event.id}>
              <td data-label="Time">
                <LocalTime value={event.at} />
              </td>
              <th scope="row" data-label="Action">
                <code>{event.action}</code>
              </th>
              <td data-label="Actor">{event.actor.name ?? event.actor.type}</td>
              <td data-label="Target">
                {event.target ? (event.target.name ?? event.target.id ?? "—") : "—"}
              </td>
              <td data-label="Details" className="details">
                {detailsText(event)}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {next && filters ? (
        <button type="button" className="secondary" disabled={busy} onClick={() => void load(filters, next)}>
          Older events
        </button>
      ) : null}
    </section>
  );
}
