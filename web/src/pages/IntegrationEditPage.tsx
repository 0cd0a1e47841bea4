import { useEffect, useState, type SubmitEvent } from "react";
import { api } from "../api.ts";
import { ConfirmDialog, ErrorMessage, LoadFailed, Loading, usePageTitle } from "../components.tsx";
import { softwareName } from "../presets.ts";
import { Link, navigate } from "../router.tsx";
import type { AppSummary, Integration, ProviderPreset } from "../types.ts";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";
import {
  BasicFields,
  ConfigFields,
  Problems,
  configProblems,
  draftFromIntegration,
  draftToBody,
  type Draft,
} from "./integrationForm.tsx";
import { IntegrationAppsPanel, IntegrationTestPanel } from "./IntegrationDiagnostics.tsx";
import { CallbackUrlCallout } from "./IntegrationWizard.tsx";

export function IntegrationEditPage({ name }: { name: string }) {
  usePageTitle(`Integration ${name}`);
  const path = `/api/admin/integrations/${encodeURIComponent(name)}`;
  const integration = useFetch(() => api.get<Integration>(path), [path]);
  const presets = useFetch(async () => await api.get<ProviderPreset[]>("/api/admin/providers"), []);
  const apps = useFetch(async () => await api.get<AppSummary[]>("/api/apps"), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  /** Bumped on every save, so the apps panel reads the new assignments. */
  const [version, setVersion] = useState(0);
  const { busy, error, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const created = new URLSearchParams(window.location.search).get("created") === "1";

  useEffect(() => {
    if (integration.data) setDraft(draftFromIntegration(integration.data));
  }, [integration.data]);

  const update = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };

  async function save(event: SubmitEvent) {
    event.preventDefault();
    if (!draft) return;
    const found = configProblems(
      draft,
      "edit",
      integration.data?.clientSecretSet ?? false,
      presets.data?.find((p) => p.id === draft.provider),
    );
    setProblems(found);
    if (found.length > 0) return;
    await run(async () => {
      const updated = await api.patch<Integration>(path, draftToBody(draft, "edit"));
      if (updated && typeof updated === "object" && "name" in updated) integration.setData(updated);
      else await integration.reload();
      setSaved(true);
      setVersion((v) => v + 1);
    });
  }

  async function remove() {
    const removed = await run(
      async () => {
        await api.delete(path);
        navigate("/admin/integrations");
      },
      { leavesPage: true },
    );
    if (!removed) setConfirming(false);
  }

  if (integration.loading && !integration.data) return <Loading />;
  if (!integration.data || !draft)
    return (
      <LoadFailed
        back={{ href: "/admin/integrations", label: "Integrations" }}
        title={name}
        error={integration.error}
      />
    );

  const current = integration.data;
  const count = current.connectionCount;
  const redirectUri = current.redirectUri;
  const preset = presets.data?.find((p) => p.id === current.provider);
  const connectionsText =
    count === 1 ? "It also removes 1 user connection." : `It also removes ${count} user connections.`;

  return (
    <section>
      <p>
        <Link href="/admin/integrations">← Integrations</Link>
      </p>
      <div className="page-head">
        <h1>{current.name}</h1>
        <span className="pill">{softwareName(current.provider, presets.data)}</span>
      </div>
      {created ? (
        <p className="notice" role="status">
          The integration was created. Register the callback URL below at the provider if you have not yet.
        </p>
      ) : null}
      {current.grantType === "authorization_code" ? <CallbackUrlCallout url={redirectUri} /> : null}
      <p className="muted">
        {count === null
          ? ""
          : count === 1
            ? "1 user has connected an account. "
            : `${count} users have connected an account. `}
        Client secret: {current.clientSecretSet ? "set" : "not set"}.
      </p>
      <div className="stack">
        <IntegrationAppsPanel name={current.name} version={version} />
        <IntegrationTestPanel name={current.name} />
      </div>
      <form className="card stack settings-form" onSubmit={(e) => void save(e)} noValidate>
        <h2>Basic information</h2>
        <BasicFields draft={draft} update={update} apps={apps.data} appsError={apps.error} editing />
        <h2>Configuration</h2>
        <ConfigFields draft={draft} update={update} preset={preset} secretSet={current.clientSecretSet} />
        <Problems problems={problems} />
        <ErrorMessage error={error} />
        {saved ? (
          <p className="notice" role="status">
            Saved.
          </p>
        ) : null}
        <div className="actions">
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete integration
          </button>
          <button type="submit" disabled={busy}>
            {busy ? "Saving…" : "Save changes"}
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${current.name}?`}
        confirmLabel="Delete"
        busy={busy}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void remove()}
      >
        <p>
          Apps using <strong>{current.name}</strong> will stop working. {connectionsText} Tokens are revoked
          at the provider where it allows.
        </p>
      </ConfirmDialog>
    </section>
  );
}
