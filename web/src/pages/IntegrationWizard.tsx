import { useEffect, useRef, useState, type SubmitEvent } from "react";
import { api } from "../api.ts";
import { CopyButton, ErrorMessage, Loading, usePageTitle } from "../components.tsx";
import { grantName, softwareBlurb, softwareName, sortPresets } from "../presets.ts";
import { Link, navigate } from "../router.tsx";
import type { AppSummary, Integration, ProviderPreset, SandboxInfo } from "../types.ts";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";
import {
  BasicFields,
  ConfigFields,
  Problems,
  basicProblems,
  configProblems,
  draftFromPreset,
  draftToBody,
  type Draft,
} from "./integrationForm.tsx";
import { SandboxEndpoints, SandboxNote } from "./SandboxEndpoints.tsx";

const steps = ["Software", "Basic information", "Configuration", "Review"];

/** The callback URL the admin registers at the provider: the hub's public origin, which is this page's origin. */
export function callbackUrl(): string {
  return `${window.location.origin}/api/integrations/oauth2/callback/`;
}

/** The callback URL the admin must register at the provider, read-only and with a copy button. */
export function CallbackUrlCallout({ url }: { url: string }) {
  return (
    <div className="callout">
      <label htmlFor="callback-url">Callback URL to register at the provider</label>
      <div className="copy-row">
        <input id="callback-url" readOnly value={url} onFocus={(e) => e.target.select()} />
        <CopyButton text={url} what="callback URL" />
      </div>
    </div>
  );
}

export function IntegrationWizard() {
  usePageTitle("New integration");
  const presets = useFetch(
    async () => sortPresets(await api.get<ProviderPreset[]>("/api/admin/providers")),
    [],
  );
  const apps = useFetch(async () => await api.get<AppSummary[]>("/api/apps"), []);
  const sandbox = useFetch(() => api.get<SandboxInfo>("/api/admin/sandbox"), []);
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const { busy, error, run } = useAction();
  const headingRef = useRef<HTMLHeadingElement>(null);

  // Move focus to the step heading so keyboard and screen-reader users know the step changed.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [step]);

  const preset = presets.data?.find((p) => p.id === draft?.provider);
  const update = (patch: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...patch } : d));

  function next(event: SubmitEvent) {
    event.preventDefault();
    if (!draft) {
      setProblems(["Choose the software this integration connects to."]);
      return;
    }
    const found =
      step === 1 ? basicProblems(draft) : step === 2 ? configProblems(draft, "create", false, preset) : [];
    setProblems(found);
    if (found.length === 0) setStep(step + 1);
  }

  async function create() {
    if (!draft) return;
    await run(
      async () => {
        const created = await api.post<Integration>("/api/admin/integrations", draftToBody(draft, "create"));
        navigate(`/admin/integrations/${encodeURIComponent(created?.name ?? draft.name)}?created=1`);
      },
      { leavesPage: true },
    );
  }

  return (
    <section className="wizard">
      <p>
        <Link href="/admin/integrations">← Integrations</Link>
      </p>
      <h1>New integration</h1>
      <ol className="stepper" aria-label="Steps">
        {steps.map((label, index) => (
          <li
            key={label}
            aria-current={index === step ? "step" : undefined}
            className={index < step ? "done" : undefined}
          >
            <span className="step-number" aria-hidden="true">
              {index + 1}
            </span>
            <span>{label}</span>
          </li>
        ))}
      </ol>
      <form className="card stack" onSubmit={next} noValidate>
        <h2 ref={headingRef} tabIndex={-1}>
          {steps[step]}
        </h2>
        {step === 0 ? (
          <>
            <ErrorMessage error={presets.error} />
            {presets.loading ? <Loading /> : null}
            <fieldset>
              <legend>Choose the software</legend>
              <div className="choices">
                {presets.data?.map((p) => (
                  <label key={p.id} className={`choice${draft?.provider === p.id ? " selected" : ""}`}>
                    <input
                      type="radio"
                      name="software"
                      value={p.id}
                      checked={draft?.provider === p.id}
                      onChange={() => setDraft((d) => draftFromPreset(p, d ?? undefined))}
                    />
                    <span className="choice-title">{softwareName(p.id, presets.data)}</span>
                    <span className="help">{softwareBlurb(p)}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          </>
        ) : null}
        {step === 1 && draft ? (
          <BasicFields draft={draft} update={update} apps={apps.data} appsError={apps.error} />
        ) : null}
        {step === 2 && draft ? (
          <>
            {draft.provider === "generic" ? (
              <p className="help">
                Register a client at the OAuth 2.0 server with the callback URL <code>{callbackUrl()}</code>,
                then enter its endpoints and what it gives you.
              </p>
            ) : preset?.docsUrl ? (
              <p className="help">
                Register an app at {softwareName(draft.provider, presets.data)} (
                <a href={preset.docsUrl} target="_blank" rel="noreferrer noopener">
                  how
                </a>
                ) with the callback URL <code>{callbackUrl()}</code>, then enter what it gives you.
              </p>
            ) : null}
            {preset ? <SandboxNote preset={preset} info={sandbox.data} /> : null}
            {draft.provider === "generic" && sandbox.data ? <SandboxEndpoints info={sandbox.data} /> : null}
            <ConfigFields draft={draft} update={update} preset={preset} />
          </>
        ) : null}
        {step === 3 && draft ? <Review draft={draft} presets={presets.data ?? []} /> : null}

        <Problems problems={problems} />
        <ErrorMessage error={error} />
        <div className="actions">
          {step > 0 ? (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setProblems([]);
                setStep(step - 1);
              }}
            >
              Back
            </button>
          ) : (
            <Link href="/admin/integrations" className="button secondary">
              Cancel
            </Link>
          )}
          {step < steps.length - 1 ? (
            <button type="submit">Next</button>
          ) : (
            <button type="button" disabled={busy} onClick={() => void create()}>
              {busy ? "Creating…" : "Create integration"}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

function Review({ draft, presets }: { draft: Draft; presets: ProviderPreset[] }) {
  const url = callbackUrl();
  const rows: [string, string][] = [
    ["Software", softwareName(draft.provider, presets)],
    ["Name", draft.name],
    ["Description", draft.description || "—"],
    ["Apps", draft.allApps ? "All apps" : draft.apps.join(", ") || "None"],
    ["Grant", grantName(draft.grantType)],
    ...(draft.grantType === "authorization_code"
      ? ([["Authorization URL", draft.authorizationUrl]] as [string, string][])
      : []),
    ["Token URL", draft.tokenUrl],
    ["Revocation URL", draft.revocationUrl || "—"],
    ["Issuer", draft.issuer || "— (the callback's iss is not checked)"],
    ["Client ID", draft.clientId],
    ["Client secret", draft.clientSecret ? "Set (hidden)" : "Not set"],
    ["Scopes", draft.scopes.join(" ")],
  ];
  return (
    <div className="stack">
      {draft.grantType === "authorization_code" ? <CallbackUrlCallout url={url} /> : null}
      <dl className="summary">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
