import type { InputHTMLAttributes, ReactNode } from "react";
import { INTEGRATION_NAME, INTEGRATION_NAME_HTML_PATTERN } from "../../../src/names.ts";
import type { AppSummary, AuthMethod, GrantType, Integration, ProviderPreset } from "../types.ts";

/** What the wizard and the edit page hold while the admin types. */
export interface Draft {
  provider: string;
  name: string;
  description: string;
  allApps: boolean;
  apps: string[];
  grantType: GrantType;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  issuer: string;
  clientId: string;
  /** Empty means "keep the stored secret" when editing. */
  clientSecret: string;
  scopes: string[];
  tokenEndpointAuthMethod: AuthMethod;
  pkce: boolean;
}

export function draftFromPreset(preset: ProviderPreset, previous?: Draft): Draft {
  return {
    provider: preset.id,
    name: previous?.name ?? "",
    description: previous?.description ?? "",
    allApps: previous?.allApps ?? false,
    apps: previous?.apps ?? [],
    grantType: "authorization_code",
    authorizationUrl: preset.defaults.authorizationUrl ?? "",
    tokenUrl: preset.defaults.tokenUrl ?? "",
    revocationUrl: preset.defaults.revocationUrl ?? "",
    issuer: preset.defaults.issuer ?? "",
    clientId: previous?.clientId ?? "",
    clientSecret: previous?.clientSecret ?? "",
    scopes: [...(preset.defaults.scopes ?? [])],
    tokenEndpointAuthMethod: preset.defaults.tokenEndpointAuthMethod ?? "client_secret_basic",
    pkce: true,
  };
}

export function draftFromIntegration(integration: Integration): Draft {
  return {
    provider: integration.provider,
    name: integration.name,
    description: integration.description ?? "",
    allApps: integration.apps.includes("*"),
    apps: integration.apps.filter((app) => app !== "*"),
    grantType: integration.grantType,
    authorizationUrl: integration.authorizationUrl ?? "",
    tokenUrl: integration.tokenUrl ?? "",
    revocationUrl: integration.revocationUrl ?? "",
    issuer: integration.issuer ?? "",
    clientId: integration.clientId ?? "",
    clientSecret: "",
    scopes: integration.scopes ?? [],
    tokenEndpointAuthMethod: integration.tokenEndpointAuthMethod,
    pkce: integration.pkce,
  };
}

/** The request body for POST (create) or PATCH (edit: an empty secret is left out, so the stored one stays). */
export function draftToBody(draft: Draft, mode: "create" | "edit"): Record<string, unknown> {
  const body: Record<string, unknown> = {
    provider: draft.provider,
    description: draft.description.trim(),
    apps: draft.allApps ? ["*"] : draft.apps,
    grantType: draft.grantType,
    authorizationUrl: draft.authorizationUrl.trim() || null,
    tokenUrl: draft.tokenUrl.trim(),
    revocationUrl: draft.revocationUrl.trim() || null,
    issuer: draft.issuer.trim() || null,
    clientId: draft.clientId.trim(),
    scopes: draft.scopes,
    tokenEndpointAuthMethod: draft.tokenEndpointAuthMethod,
    pkce: draft.pkce,
  };
  if (mode === "create") body.name = draft.name.trim();
  if (draft.clientSecret) body.clientSecret = draft.clientSecret;
  return body;
}

export function basicProblems(draft: Draft): string[] {
  const problems: string[] = [];
  if (!INTEGRATION_NAME.test(draft.name.trim()))
    problems.push("The name must be 1 to 64 characters of lower-case letters, digits, - and _.");
  return problems;
}

export function configProblems(
  draft: Draft,
  mode: "create" | "edit",
  secretSet = false,
  preset?: ProviderPreset,
): string[] {
  const problems: string[] = [];
  const isUrl = (value: string) => {
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:";
    } catch {
      return false;
    }
  };
  if (draft.grantType === "authorization_code" && !isUrl(draft.authorizationUrl.trim()))
    problems.push("The authorization URL must be a full http(s) URL.");
  if (!isUrl(draft.tokenUrl.trim())) problems.push("The token URL must be a full http(s) URL.");
  if (draft.revocationUrl.trim() && !isUrl(draft.revocationUrl.trim()))
    problems.push("The revocation URL must be a full http(s) URL, or empty.");
  if (!draft.clientId.trim()) problems.push("Enter the client ID the platform gave you.");
  const needsSecret = draft.tokenEndpointAuthMethod !== "none" || draft.grantType === "client_credentials";
  if (needsSecret && !draft.clientSecret && (mode === "create" || !secretSet))
    problems.push("Enter the client secret the platform gave you.");
  if (draft.scopes.length === 0 && preset && preset.scopeCatalog.length > 0)
    problems.push("Choose at least one scope.");
  return problems;
}

export function Problems({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="error" role="alert">
      {problems.length === 1 ? (
        problems[0]
      ) : (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function BasicFields(props: {
  draft: Draft;
  update: (patch: Partial<Draft>) => void;
  apps: AppSummary[] | undefined;
  appsError: unknown;
  editing?: boolean;
}) {
  const { draft, update, apps } = props;
  const known = new Set((apps ?? []).map((a) => a.name));
  const extra = draft.apps.filter((a) => !known.has(a));
  return (
    <div className="stack">
      <DraftInput
        label="Name"
        field="name"
        draft={draft}
        update={update}
        required
        readOnly={props.editing}
        pattern={INTEGRATION_NAME_HTML_PATTERN}
        aria-describedby="name-help"
        autoComplete="off"
      >
        <span id="name-help" className="help">
          {props.editing
            ? "The name cannot change: app code and app configs refer to it."
            : "Lower-case letters, digits, - and _. App code and gatehouse.config.toml refer to it."}
        </span>
      </DraftInput>
      <label>
        Description
        <textarea
          value={draft.description}
          rows={2}
          onChange={(e) => update({ description: e.target.value })}
        />
      </label>
      <fieldset>
        <legend>Apps that may use it</legend>
        <Radio name="apps-mode" checked={draft.allApps} onChoose={() => update({ allApps: true })}>
          All apps
        </Radio>
        <Radio name="apps-mode" checked={!draft.allApps} onChoose={() => update({ allApps: false })}>
          Specific apps
        </Radio>
        {!draft.allApps ? (
          <div className="checks" role="group" aria-label="Specific apps">
            {apps === undefined && !props.appsError ? <p className="muted">Loading apps…</p> : null}
            {props.appsError ? <p className="muted">The app list could not be loaded.</p> : null}
            {apps?.length === 0 ? <p className="muted">No apps are loaded on this hub.</p> : null}
            {[
              ...(apps ?? []).map((a) => ({ name: a.name, title: a.title })),
              ...extra.map((name) => ({ name, title: "" })),
            ].map((app) => (
              <label className="inline" key={app.name}>
                <input
                  type="checkbox"
                  checked={draft.apps.includes(app.name)}
                  onChange={(e) => update({ apps: setIncluded(draft.apps, app.name, e.target.checked) })}
                />
                <span>
                  {app.title && app.title !== app.name ? `${app.title} ` : ""}
                  <code>{app.name}</code>
                </span>
              </label>
            ))}
          </div>
        ) : null}
      </fieldset>
    </div>
  );
}

export function ConfigFields(props: {
  draft: Draft;
  update: (patch: Partial<Draft>) => void;
  preset: ProviderPreset | undefined;
  secretSet?: boolean;
}) {
  const { draft, update, preset } = props;
  const catalog = preset?.scopeCatalog ?? [];
  const catalogScopes = new Set(catalog.map((c) => c.scope));
  const otherScopes = draft.scopes.filter((s) => !catalogScopes.has(s));
  const grants = (preset?.grantTypes ?? ["authorization_code", "client_credentials"]).filter(
    (g) => g === "authorization_code" || g === "client_credentials",
  );
  return (
    <div className="stack">
      {grants.length > 1 ? (
        <fieldset>
          <legend>Grant type</legend>
          <Radio
            name="grant"
            checked={draft.grantType === "authorization_code"}
            onChoose={() => update({ grantType: "authorization_code" })}
          >
            Authorization code: each user connects their own account
          </Radio>
          <Radio
            name="grant"
            checked={draft.grantType === "client_credentials"}
            onChoose={() => update({ grantType: "client_credentials" })}
          >
            Client credentials: one service identity, no user
          </Radio>
        </fieldset>
      ) : null}
      {draft.grantType === "authorization_code" ? (
        <DraftInput
          label="Authorization URL"
          field="authorizationUrl"
          draft={draft}
          update={update}
          type="url"
          required
        />
      ) : null}
      <DraftInput label="Token URL" field="tokenUrl" draft={draft} update={update} type="url" required />
      <DraftInput
        label="Client ID"
        field="clientId"
        draft={draft}
        update={update}
        required
        autoComplete="off"
      />
      <DraftInput
        label="Client secret"
        field="clientSecret"
        draft={draft}
        update={update}
        type="password"
        autoComplete="new-password"
        aria-describedby="secret-help"
        placeholder={props.secretSet ? "•••••••• (set)" : ""}
      >
        <span id="secret-help" className="help">
          {props.secretSet
            ? "A secret is set. Leave this empty to keep it, or type a new one to replace it."
            : "Stored encrypted; it is never shown again."}
        </span>
      </DraftInput>
      <fieldset>
        <legend>Scopes</legend>
        {catalog.length > 0 ? (
          <div className="checks">
            {catalog.map((entry) => (
              <label className="scope" key={entry.scope}>
                <input
                  type="checkbox"
                  checked={draft.scopes.includes(entry.scope)}
                  onChange={(e) =>
                    update({ scopes: setIncluded(draft.scopes, entry.scope, e.target.checked) })
                  }
                />
                <span>
                  <code>{entry.scope}</code>
                  <span className="help">{entry.description}</span>
                </span>
              </label>
            ))}
          </div>
        ) : null}
        <label>
          {catalog.length > 0 ? "Other scopes (space-separated)" : "Scopes (space-separated)"}
          <input
            value={otherScopes.join(" ")}
            onChange={(e) => {
              const typed = e.target.value.split(/\s+/).filter(Boolean);
              update({ scopes: [...draft.scopes.filter((s) => catalogScopes.has(s)), ...typed] });
            }}
            spellCheck={false}
          />
        </label>
      </fieldset>
      <details className="advanced">
        <summary>Advanced settings</summary>
        <div className="stack">
          <DraftInput label="Revocation URL" field="revocationUrl" draft={draft} update={update} type="url" />
          <DraftInput label="Issuer" field="issuer" draft={draft} update={update} />
          <label>
            Client authentication at the token endpoint
            <select
              value={draft.tokenEndpointAuthMethod}
              onChange={(e) => update({ tokenEndpointAuthMethod: e.target.value as AuthMethod })}
            >
              <option value="client_secret_basic">HTTP Basic (client_secret_basic)</option>
              <option value="client_secret_post">Form body (client_secret_post)</option>
              <option value="none">None: public client (none)</option>
            </select>
          </label>
          <label className="inline">
            <input
              type="checkbox"
              checked={draft.pkce}
              onChange={(e) => update({ pkce: e.target.checked })}
            />
            Use PKCE (S256)
          </label>
        </div>
      </details>
    </div>
  );
}

/** The draft's fields an admin types as one line of text. */
type DraftText =
  "name" | "authorizationUrl" | "tokenUrl" | "revocationUrl" | "issuer" | "clientId" | "clientSecret";

/**
 * A labelled input bound to one text field of the draft; `children` (its help) follow the input inside the
 * label. Spell-checking is off: these are names, URLs, identifiers and a secret.
 */
function DraftInput(
  props: {
    label: string;
    field: DraftText;
    draft: Draft;
    update: (patch: Partial<Draft>) => void;
    children?: ReactNode;
  } & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "children">,
) {
  const { label, field, draft, update, children, ...input } = props;
  return (
    <label>
      {label}
      <input
        spellCheck={false}
        {...input}
        value={draft[field]}
        onChange={(e) => update({ [field]: e.target.value })}
      />
      {children}
    </label>
  );
}

/** One radio button of a group, its words beside it. */
function Radio(props: { name: string; checked: boolean; onChoose: () => void; children: ReactNode }) {
  return (
    <label className="inline">
      <input type="radio" name={props.name} checked={props.checked} onChange={props.onChoose} />
      {props.children}
    </label>
  );
}

/** `list` with `item` added at the end or taken out, as its checkbox was ticked or cleared. */
function setIncluded(list: string[], item: string, included: boolean): string[] {
  return included ? [...list, item] : list.filter((x) => x !== item);
}
