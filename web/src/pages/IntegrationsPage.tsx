import { api } from "../api.ts";
import { DataTable, ErrorMessage, Loading, usePageTitle } from "../components.tsx";
import { grantName, softwareName } from "../presets.ts";
import { Link } from "../router.tsx";
import type { Integration, ProviderPreset } from "../types.ts";
import { useFetch } from "../useFetch.ts";

export function IntegrationsPage() {
  usePageTitle("Integrations");
  const integrations = useFetch(async () => await api.get<Integration[]>("/api/admin/integrations"), []);
  const presets = useFetch(async () => await api.get<ProviderPreset[]>("/api/admin/providers"), []);
  const list = integrations.data ?? [];

  return (
    <section>
      <div className="page-head">
        <h1>Integrations</h1>
        <Link href="/admin/integrations/new" className="button">
          New integration
        </Link>
      </div>
      <p className="muted">
        Each integration is an OAuth 2.0 client registered at a platform. Apps assigned to it can get tokens
        for their users.
      </p>
      <ErrorMessage error={integrations.error} />
      {integrations.loading && !integrations.data ? <Loading /> : null}
      {integrations.data && list.length === 0 ? (
        <p className="empty">No integrations yet. Create one to let apps reach a platform.</p>
      ) : null}
      {list.length > 0 ? (
        <DataTable
          caption="Integrations"
          cardsOnPhone
          columns={[
            "Name",
            "Software",
            "Grant",
            "Assigned apps",
            { label: "Connected users", numeric: true },
          ]}
        >
          {list.map((integration) => {
            const count = integration.connectionCount;
            return (
              <tr key={integration.name}>
                <th scope="row">
                  <Link href={`/admin/integrations/${encodeURIComponent(integration.name)}`}>
                    {integration.name}
                  </Link>
                  {integration.description ? (
                    <div className="muted small">{integration.description}</div>
                  ) : null}
                </th>
                <td data-label="Software">{softwareName(integration.provider, presets.data)}</td>
                <td data-label="Grant">{grantName(integration.grantType)}</td>
                <td data-label="Apps">
                  {integration.apps.includes("*") ? (
                    <span className="pill">All apps</span>
                  ) : integration.apps.length === 0 ? (
                    <span className="muted">None</span>
                  ) : (
                    integration.apps.map((app) => (
                      <span className="pill" key={app}>
                        {app}
                      </span>
                    ))
                  )}
                </td>
                <td className="num" data-label="Connected users">
                  {count}
                </td>
              </tr>
            );
          })}
        </DataTable>
      ) : null}
    </section>
  );
}
