import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { api, loginLink } from "../api.ts";
import {
  defaultParams,
  missingLogins,
  parseApp,
  type AppDetail,
  type Field,
  type ViewInfo,
} from "../appModel.ts";
import { LoadFailed, Loading, usePageTitle } from "../components.tsx";
import { Markdown } from "../markdown.tsx";
import { Link } from "../router.tsx";
import { ReloadedNotice, useAppReloads, type AppReload } from "../appReloads.tsx";
import { useFetch } from "../useFetch.ts";
import { ViewPanel } from "./ViewPanel.tsx";
import { asText } from "../text.ts";

interface Saved {
  params: Record<string, unknown>;
  view?: string;
}

/** The page state survives the trip to the provider's sign-in page and back (same tab, same session). */
function loadSaved(app: string): Saved | null {
  try {
    const raw = sessionStorage.getItem(`gatehouse:app:${app}`);
    return raw ? (JSON.parse(raw) as Saved) : null;
  } catch {
    return null;
  }
}
function save(app: string, state: Saved): void {
  try {
    sessionStorage.setItem(`gatehouse:app:${app}`, JSON.stringify(state));
  } catch {
    // Storage can be full or disabled; the page still works, it just forgets.
  }
}

export function AppPage({ app }: { app: string }) {
  const detail = useFetch(async () => parseApp(await api.get(`/api/apps/${encodeURIComponent(app)}`)), [app]);
  usePageTitle(detail.data?.title ?? app);
  // gatehouse dev: the app was reloaded after a save; read it again and start the workspace afresh.
  const reloaded = useAppReloads(app, detail.reload);
  if (detail.loading && !detail.data) return <Loading label="Loading the app…" />;
  if (!detail.data)
    return <LoadFailed back={{ href: "/apps", label: "Apps" }} title={app} error={detail.error} />;
  return <AppWorkspace key={`${app}:${reloaded?.count ?? 0}`} detail={detail.data} reloaded={reloaded} />;
}

function AppWorkspace({ detail, reloaded }: { detail: AppDetail; reloaded: AppReload | null }) {
  const saved = loadSaved(detail.name);
  const [params, setParams] = useState<Record<string, unknown>>(() => ({
    ...defaultParams(detail.fields),
    ...(saved?.params ?? {}),
  }));
  const initialView =
    new URLSearchParams(window.location.search).get("view") ?? saved?.view ?? detail.views[0]?.name ?? "";
  const [active, setActive] = useState(
    detail.views.some((v) => v.name === initialView) ? initialView : (detail.views[0]?.name ?? ""),
  );
  // Integrations found disconnected while running a view (login_required), on top of what the app page says.
  const [lostLogins, setLostLogins] = useState<string[]>([]);

  useEffect(() => save(detail.name, { params, view: active }), [detail.name, params, active]);

  const missing = [
    ...missingLogins(detail).map((i) => i.name),
    ...lostLogins.filter((name) => !missingLogins(detail).some((i) => i.name === name)),
  ];
  const returnTo = `/apps/${encodeURIComponent(detail.name)}`;
  const onLoginRequired = useCallback(
    (name: string | null) => {
      const target = name ?? detail.integrations[0]?.name;
      if (target) setLostLogins((list) => (list.includes(target) ? list : [...list, target]));
    },
    [detail.integrations],
  );

  const view = detail.views.find((v) => v.name === active);
  const visibleFields = detail.fields;

  return (
    <section className="app-page">
      <p>
        <Link href="/apps">← Apps</Link>
      </p>
      <h1>{detail.title}</h1>
      {detail.description ? <p className="muted">{detail.description}</p> : null}
      {reloaded ? <ReloadedNotice reloaded={reloaded} /> : null}
      {detail.problems.map((p) => (
        <p key={p} className="error" role="alert">
          {p}
        </p>
      ))}
      {detail.integrations
        // The hub's warnings already say the same in the config's words; show one or the other.
        .filter((i) => i.problem && detail.problems.length === 0)
        .map((i) => (
          <p key={i.name} className="error" role="alert">
            {i.problem}
          </p>
        ))}
      {missing.length > 0 ? <LoginPrompt names={missing} app={detail.name} returnTo={returnTo} /> : null}
      <div className="app-layout">
        <aside className="params card" aria-labelledby="params-heading">
          <h2 id="params-heading">Parameters</h2>
          {visibleFields.length === 0 ? <p className="muted">This app has no parameters.</p> : null}
          <form className="stack" onSubmit={(e) => e.preventDefault()}>
            {visibleFields.map((field) => (
              <FieldInput
                key={field.name}
                field={field}
                value={params[field.name]}
                onChange={(value) => setParams((p) => ({ ...p, [field.name]: value }))}
              />
            ))}
          </form>
        </aside>
        <div className="views card">
          {detail.views.length === 0 ? <p className="muted">This app has no views.</p> : null}
          {detail.views.length > 1 ? (
            <Tabs views={detail.views} active={active} onSelect={(name) => setActive(name)} />
          ) : detail.views[0] ? (
            <h2>{detail.views[0].label}</h2>
          ) : null}
          {view ? (
            <div
              role={detail.views.length > 1 ? "tabpanel" : undefined}
              id={`panel-${view.name}`}
              aria-labelledby={detail.views.length > 1 ? `tab-${view.name}` : undefined}
              tabIndex={detail.views.length > 1 ? 0 : undefined}
            >
              <ViewPanel
                key={view.name}
                app={detail.name}
                view={view}
                params={params}
                blocked={missing}
                returnTo={returnTo}
                onLoginRequired={onLoginRequired}
              />
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}

function LoginPrompt({ names, app, returnTo }: { names: string[]; app: string; returnTo: string }) {
  return (
    <div className="callout login-prompt" role="region" aria-label="Accounts to connect">
      <p>This app works with your own account at the platform. Log in once; Gatehouse keeps you connected.</p>
      <div className="actions start">
        {names.map((name) => (
          <a key={name} className="button" href={loginLink(name, app, returnTo)}>
            Log in to {name}
          </a>
        ))}
      </div>
    </div>
  );
}

function Tabs({
  views,
  active,
  onSelect,
}: {
  views: ViewInfo[];
  active: string;
  onSelect: (name: string) => void;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
  function onKeyDown(event: KeyboardEvent, index: number) {
    const last = views.length - 1;
    const next =
      event.key === "ArrowRight"
        ? index === last
          ? 0
          : index + 1
        : event.key === "ArrowLeft"
          ? index === 0
            ? last
            : index - 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? last
              : null;
    if (next === null) return;
    event.preventDefault();
    onSelect(views[next]!.name);
    refs.current[next]?.focus();
  }
  return (
    <div role="tablist" aria-label="Views" className="tabs">
      {views.map((v, index) => (
        <button
          key={v.name}
          ref={(el) => {
            refs.current[index] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${v.name}`}
          aria-selected={v.name === active}
          aria-controls={`panel-${v.name}`}
          tabIndex={v.name === active ? 0 : -1}
          onClick={() => onSelect(v.name)}
          onKeyDown={(e) => onKeyDown(e, index)}
        >
          {v.label}
        </button>
      ))}
    </div>
  );
}

function FieldInput({
  field,
  value,
  onChange,
}: {
  field: Field;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const id = useId();
  const helpId = field.description ? `${id}-help` : undefined;
  const help = field.description ? (
    <span id={helpId} className="help">
      {field.description}
    </span>
  ) : null;
  if (field.type === "text") return <Markdown source={field.text ?? ""} />;
  if (field.type === "booleanField")
    return (
      <div>
        <label className="inline">
          <input
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
            aria-describedby={helpId}
          />
          {field.label}
        </label>
        {help}
      </div>
    );
  if (field.type === "optionField")
    return (
      <label>
        {field.label}
        <select
          value={asText(value)}
          aria-describedby={helpId}
          onChange={(e) => {
            const option = field.options?.find((o) => String(o.value) === e.target.value);
            onChange(option ? option.value : e.target.value);
          }}
        >
          {(field.options ?? []).map((o) => (
            <option key={String(o.value)} value={String(o.value)}>
              {o.label}
            </option>
          ))}
        </select>
        {help}
      </label>
    );
  if (field.type === "numberField" || field.type === "integerField")
    return (
      <label>
        {field.label}
        <input
          type="number"
          inputMode={field.type === "integerField" ? "numeric" : "decimal"}
          value={typeof value === "number" ? value : ""}
          min={field.min}
          max={field.max}
          step={field.step ?? (field.type === "integerField" ? 1 : "any")}
          aria-describedby={helpId}
          onChange={(e) => {
            const n = e.target.value === "" ? null : Number(e.target.value);
            onChange(
              n === null || Number.isNaN(n) ? null : field.type === "integerField" ? Math.trunc(n) : n,
            );
          }}
        />
        {help}
      </label>
    );
  return (
    <label>
      {field.label}
      <input
        type="text"
        value={asText(value)}
        aria-describedby={helpId}
        onChange={(e) => onChange(e.target.value)}
      />
      {help}
    </label>
  );
}
