import { api } from "../api.ts";
import { ErrorMessage, Loading, usePageTitle } from "../components.tsx";
import { Link } from "../router.tsx";
import type { AppSummary } from "../types.ts";
import { useFetch } from "../useFetch.ts";
import { SandboxWarning } from "./SandboxWarning.tsx";

export function AppsPage() {
  usePageTitle("Apps");
  const apps = useFetch(async () => await api.get<AppSummary[]>("/api/apps"), []);
  return (
    <section>
      <h1>Apps</h1>
      <SandboxWarning />
      <ErrorMessage error={apps.error} />
      {apps.loading && !apps.data ? <Loading /> : null}
      {apps.data && apps.data.length === 0 ? (
        <p className="empty">No apps are available to you yet.</p>
      ) : null}
      <ul className="cards">
        {apps.data?.map((app) => (
          <li key={app.name} className="card app-card">
            <h2>
              <Link href={`/apps/${encodeURIComponent(app.name)}`}>{app.title || app.name}</Link>
            </h2>
            <p className="muted small">
              <code>{app.name}</code>
            </p>
            {app.description ? <p>{app.description}</p> : null}
            {app.integrations?.length ? (
              <ul className="status-list" aria-label={`Integrations of ${app.title || app.name}`}>
                {app.integrations.map((i) => (
                  <li key={i.name}>
                    <span className={`dot ${i.connected ? "ok" : "off"}`} aria-hidden="true" />
                    {i.name}:{" "}
                    {i.status === "service"
                      ? "service identity (no login needed)"
                      : i.status === "reconnect_required"
                        ? "log in again"
                        : i.connected
                          ? "connected"
                          : "not connected"}
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
