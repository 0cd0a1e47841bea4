import { useState } from "react";
import { api, asList, formatDate, relativeTime, toDate } from "../api.ts";
import { DataTable, ErrorMessage, Loading, usePageTitle } from "../components.tsx";
import { useSession } from "../session.tsx";
import type { Connection } from "../types.ts";
import { useFetch } from "../useFetch.ts";
import { AccessTokens } from "./AccessTokens.tsx";

export function AccountPage() {
  usePageTitle("Account");
  const { me } = useSession();
  const connections = useFetch(
    async () => asList<Connection>(await api.get("/api/me/connections"), "connections"),
    [],
  );
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function disconnect(name: string) {
    setBusy(name);
    setError(null);
    setNotice(null);
    try {
      await api.delete(`/api/me/connections/${encodeURIComponent(name)}`);
      setNotice(`Disconnected from ${name}.`);
      await connections.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section>
      <h1>Your account</h1>
      {me ? (
        <p className="muted">
          Signed in as <strong>{me.email}</strong> ({me.role}).
        </p>
      ) : null}
      <h2>Connected accounts</h2>
      <ErrorMessage error={connections.error} />
      <ErrorMessage error={error} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {connections.loading && !connections.data ? <Loading /> : null}
      {connections.data && connections.data.length === 0 ? (
        <p className="empty">You have not connected any accounts. Apps ask you to when they need one.</p>
      ) : null}
      {connections.data && connections.data.length > 0 ? (
        <DataTable
          caption="Connected accounts"
          cardsOnPhone
          columns={[
            "Integration",
            "Status",
            "Scopes",
            "Access token expires",
            "Last refresh",
            "Connected",
            { actions: true },
          ]}
        >
          {connections.data.map((c) => {
            const expires = toDate(c.expiresAt);
            const expired = expires !== null && expires.getTime() < Date.now();
            return (
              <tr key={c.integration}>
                <th scope="row" data-label="Integration">
                  {c.integration}
                </th>
                <td data-label="Status">
                  <span className={`status ${c.status === "connected" ? "success" : "warning"}`}>
                    {c.status === "connected" ? "Connected" : "Reconnect required"}
                  </span>
                </td>
                <td data-label="Scopes">
                  {c.scopes.map((s) => (
                    <code key={s} className="scope-tag">
                      {s}
                    </code>
                  ))}
                </td>
                <td data-label="Expires">
                  {formatDate(c.expiresAt)}
                  {expires ? (
                    <div className="muted small">
                      {expired
                        ? `expired ${relativeTime(c.expiresAt)}; refreshed on next use`
                        : relativeTime(c.expiresAt)}
                    </div>
                  ) : null}
                </td>
                <td data-label="Last refresh">
                  {c.lastRefreshedAt ? formatDate(c.lastRefreshedAt) : "Never"}
                </td>
                <td data-label="Connected">{formatDate(c.connectedAt)}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy === c.integration}
                    aria-label={`Disconnect ${c.integration}`}
                    onClick={() => void disconnect(c.integration)}
                  >
                    Disconnect
                  </button>
                </td>
              </tr>
            );
          })}
        </DataTable>
      ) : null}
      <AccessTokens />
    </section>
  );
}
