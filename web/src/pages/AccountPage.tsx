import { useState } from "react";
import { api, loginLink, relativeTime, toDate } from "../api.ts";
import { ConfirmDialog, DataTable, ErrorMessage, Loading, LocalTime, usePageTitle } from "../components.tsx";
import { useSession } from "../session.tsx";
import type { AppSummary, Connection } from "../types.ts";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";
import { AccessTokens } from "./AccessTokens.tsx";

const RETURN_TO = "/account";

/** One integration the user can connect, with its connection when there is one. */
interface AccountRow {
  name: string;
  description: string | null;
  /** The apps that use it (the first is where the connect flow says it came from). */
  apps: string[];
  connection: Connection | null;
}

/**
 * Every user integration the user's apps use, plus every stored connection (an app may no longer list it):
 * connected or not, so each row can offer Connect, Reconnect or Disconnect.
 */
function accountRows(apps: AppSummary[], connections: Connection[]): AccountRow[] {
  const rows = new Map<string, AccountRow>();
  for (const app of apps) {
    for (const integration of app.integrations) {
      if (integration.grantType === "client_credentials" || integration.status === "service") continue;
      if (integration.status === "unavailable" || integration.problem) continue;
      const row = rows.get(integration.name) ?? {
        name: integration.name,
        description: integration.displayName ?? null,
        apps: [],
        connection: null,
      };
      row.apps.push(app.name);
      rows.set(integration.name, row);
    }
  }
  for (const connection of connections) {
    const row = rows.get(connection.integration);
    if (row) row.connection = connection;
    else
      rows.set(connection.integration, {
        name: connection.integration,
        description: null,
        apps: [],
        connection,
      });
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** "Alice Example · alice@example.com", or the account id when that is all the provider said. */
function AccountName({ account }: { account: Connection["account"] }) {
  if (!account) return <span className="muted">Not told by the provider</span>;
  const main = [account.name, account.email].filter(Boolean).join(" · ");
  if (main) return <span title={account.subject ?? undefined}>{main}</span>;
  const id = account.subject ?? "";
  // Ids are often UUIDs: the start tells accounts apart, the whole one is on hover.
  return (
    <span title={id}>
      Account id <code className="nowrap">{id.length > 13 ? `${id.slice(0, 12)}…` : id}</code>
    </span>
  );
}

function StatusBadge({ connection }: { connection: Connection | null }) {
  if (!connection) return <span className="status info">Not connected</span>;
  if (connection.status === "connected") return <span className="status success">Connected</span>;
  return <span className="status warning">Reconnect required</span>;
}

export function AccountPage() {
  usePageTitle("Account");
  const { me } = useSession();
  const connections = useFetch(async () => await api.get<Connection[]>("/api/me/connections"), []);
  const apps = useFetch(async () => await api.get<AppSummary[]>("/api/apps"), []);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  async function disconnect(name: string) {
    setNotice(null);
    const done = await run(async () => {
      await api.delete(`/api/me/connections/${encodeURIComponent(name)}`);
      await connections.reload();
    });
    setConfirming(null);
    if (done) setNotice(`Disconnected from ${name}.`);
  }

  const loaded = connections.data !== undefined && (apps.data !== undefined || apps.error);
  const rows = loaded ? accountRows(apps.data ?? [], connections.data ?? []) : [];

  return (
    <section>
      <h1>Your account</h1>
      {me ? (
        <p className="muted">
          Signed in as <strong>{me.email}</strong> ({me.role}).
        </p>
      ) : null}
      <h2>Connected accounts</h2>
      <p className="muted">
        The platform accounts apps use on your behalf. Reconnect signs in again (for another account, or after
        access was revoked); Disconnect revokes the access at the platform and deletes it here.
      </p>
      <ErrorMessage error={connections.error} />
      <ErrorMessage error={error} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {!loaded && !connections.error ? <Loading /> : null}
      {loaded && rows.length === 0 ? (
        <p className="empty">
          No app you can open uses a platform account. Apps ask you to connect when they do.
        </p>
      ) : null}
      {rows.length > 0 ? (
        <DataTable
          caption="Connected accounts"
          cardsOnPhone
          columns={["Integration", "Status", "Account", "Scopes", "Access", { actions: true }]}
        >
          {rows.map((row) => {
            const c = row.connection;
            const expires = toDate(c?.expiresAt);
            const expired = expires !== null && expires.getTime() < Date.now();
            const connectUrl = loginLink(row.name, row.apps[0] ?? null, RETURN_TO);
            return (
              <tr key={row.name}>
                <th scope="row" data-label="Integration">
                  <span className="nowrap" title={row.description ?? undefined}>
                    {row.name}
                  </span>
                  {row.apps.length > 0 ? (
                    <div className="muted small">Used by {row.apps.join(", ")}</div>
                  ) : null}
                </th>
                <td data-label="Status">
                  <StatusBadge connection={c} />
                </td>
                <td data-label="Account">{c ? <AccountName account={c.account ?? null} /> : "—"}</td>
                <td data-label="Scopes">
                  {c?.scopes.map((s) => (
                    <code key={s} className="scope-tag">
                      {s}
                    </code>
                  )) ?? "—"}
                </td>
                <td data-label="Access">
                  {c ? (
                    <dl className="times">
                      <div>
                        <dt>Expires</dt>
                        <dd>
                          <LocalTime value={c.expiresAt} />
                          {expires ? (
                            <span className="muted small">
                              {" "}
                              (
                              {expired
                                ? `expired ${relativeTime(c.expiresAt)}; renewed on next use`
                                : relativeTime(c.expiresAt)}
                              )
                            </span>
                          ) : null}
                        </dd>
                      </div>
                      <div>
                        <dt>Last refresh</dt>
                        <dd>
                          <LocalTime value={c.lastRefreshedAt} fallback="Never" />
                        </dd>
                      </div>
                      <div>
                        <dt>Connected</dt>
                        <dd>
                          <LocalTime value={c.connectedAt} />
                        </dd>
                      </div>
                    </dl>
                  ) : (
                    "—"
                  )}
                </td>
                <td>
                  <div className="row-actions">
                    {!c ? (
                      <a className="button small" href={connectUrl} aria-label={`Connect ${row.name}`}>
                        Connect
                      </a>
                    ) : (
                      <>
                        <a
                          className={`button small${c.status === "connected" ? " secondary" : ""}`}
                          href={connectUrl}
                          aria-label={`Reconnect ${row.name}`}
                        >
                          Reconnect
                        </a>
                        <button
                          type="button"
                          className="secondary small"
                          disabled={busy}
                          aria-label={`Disconnect ${row.name}`}
                          onClick={() => setConfirming(row.name)}
                        >
                          Disconnect
                        </button>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </DataTable>
      ) : null}
      <ConfirmDialog
        open={confirming !== null}
        title={`Disconnect ${confirming ?? ""}?`}
        confirmLabel="Disconnect"
        busy={busy}
        onCancel={() => setConfirming(null)}
        onConfirm={() => confirming && void disconnect(confirming)}
      >
        <p>
          Gatehouse revokes the access at the platform (where it allows) and deletes the stored tokens. Apps
          that use <strong>{confirming}</strong> ask you to connect again.
        </p>
      </ConfirmDialog>
      <AccessTokens />
    </section>
  );
}
