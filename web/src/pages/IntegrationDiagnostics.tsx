import { useEffect, useState } from "react";
import { api } from "../api.ts";
import { DataTable, ErrorMessage, Loading } from "../components.tsx";
import { Link } from "../router.tsx";
import type { CheckReport, IntegrationApps } from "../types.ts";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";

const integrationPath = (name: string) => `/api/admin/integrations/${encodeURIComponent(name)}`;

/**
 * The apps the integration is assigned to, or whose gatehouse.config.toml lists it, and for each whether it
 * can use the integration: both halves are needed, and either alone changes nothing visible.
 * `version` changes when the integration was saved (its assignments may have changed).
 */
export function IntegrationAppsPanel({ name, version }: { name: string; version: number }) {
  const links = useFetch(() => api.get<IntegrationApps>(`${integrationPath(name)}/apps`), [name]);
  const { reload } = links;
  useEffect(() => {
    if (version > 0) void reload();
  }, [version, reload]);
  const data = links.data;
  return (
    <section className="card stack" aria-labelledby="apps-heading">
      <h2 id="apps-heading">Apps</h2>
      <p className="muted small">
        An app can use this integration when it is assigned here <em>and</em> the app&apos;s{" "}
        <code>gatehouse.config.toml</code> lists it in <code>oauth2_integrations</code>.
      </p>
      <ErrorMessage error={links.error} />
      {links.loading && !data ? <Loading /> : null}
      {data && !data.appsLoaded ? (
        <p className="muted">This hub loads no apps, so there is nothing to compare the assignments with.</p>
      ) : null}
      {data && data.appsLoaded && data.apps.length === 0 ? (
        <p className="empty">No app is assigned to it, and no app&apos;s config lists it.</p>
      ) : null}
      {data && data.apps.length > 0 ? (
        <DataTable
          caption="Apps and this integration"
          cardsOnPhone
          columns={["App", "Assigned here", "Listed in its config", "Can use it"]}
        >
          {data.apps.map((link) => (
            <tr key={link.app}>
              <th scope="row" data-label="App">
                {link.loaded ? (
                  <Link href={`/apps/${encodeURIComponent(link.app)}`}>{link.app}</Link>
                ) : (
                  link.app
                )}
                {link.title && link.title !== link.app ? (
                  <div className="muted small">{link.title}</div>
                ) : null}
              </th>
              <td data-label="Assigned here">
                {link.assigned === "name" ? "Yes" : link.assigned === "all" ? "Yes (all apps)" : "No"}
              </td>
              <td data-label="Listed in its config">{link.loaded ? (link.listed ? "Yes" : "No") : "—"}</td>
              <td data-label="Can use it">
                {link.problem ? (
                  <span className="status warning">Not yet</span>
                ) : (
                  <span className="status success">Yes</span>
                )}
                {link.problem ? <div className="small">{link.problem}</div> : null}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </section>
  );
}

const statusLabels: Record<CheckReport["checks"][number]["status"], string> = {
  passed: "Passed",
  warning: "Warning",
  failed: "Failed",
  skipped: "Skipped",
};
const statusClass: Record<CheckReport["checks"][number]["status"], string> = {
  passed: "success",
  warning: "warning",
  failed: "error",
  skipped: "info",
};

/** The Test button: what the hub can check without a user, each check with what it found. */
export function IntegrationTestPanel({ name }: { name: string }) {
  const [report, setReport] = useState<CheckReport | null>(null);
  const { busy, error, run } = useAction();

  async function test() {
    await run(async () => {
      setReport(null);
      setReport(await api.post<CheckReport>(`${integrationPath(name)}/test`));
    });
  }

  return (
    <section className="card stack" aria-labelledby="test-heading">
      <div className="page-head">
        <h2 id="test-heading">Test</h2>
        <button type="button" className="secondary" disabled={busy} onClick={() => void test()}>
          {busy ? "Testing…" : "Test the integration"}
        </button>
      </div>
      <p className="muted small">
        Checks the saved settings as far as they can be checked without a user: the discovery document, that
        the endpoints answer, and for a service integration that client credentials get a token. Nothing is
        stored.
      </p>
      <ErrorMessage error={error} />
      {busy ? <Loading label="Testing…" /> : null}
      {report ? (
        <div role="status" aria-live="polite" className="stack">
          <p className={report.ok ? "notice" : "error"}>
            {report.ok ? "Every check passed." : "Some checks failed: see what each found below."}
          </p>
          <ul className="check-list" aria-label="Test results">
            {report.checks.map((check) => (
              <li key={check.id} className={`check ${check.status}`}>
                <span className={`status ${statusClass[check.status]}`}>{statusLabels[check.status]}</span>{" "}
                <strong>{check.title}</strong>
                {check.url ? <code className="check-url">{check.url}</code> : null}
                <p>{check.message}</p>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
