import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { api, ApiError, loginLink } from "../api.ts";
import {
  defaultParams,
  missingLogins,
  parseApp,
  type AppDetail,
  type Field,
  type ViewInfo,
} from "../appModel.ts";
import { ErrorMessage, Loading, usePageTitle } from "../components.tsx";
import { Markdown } from "../markdown.tsx";
import { Link } from "../router.tsx";
import { ReloadedNotice, useAppReloads, type AppReload } from "../appReloads.tsx";
import { useFetch } from "../useFetch.ts";
import { DataView } from "../views/DataView.tsx";
import { TableView } from "../views/TableView.tsx";
import { WebView } from "../views/WebView.tsx";
import { parseResult, type ViewResult } from "../views/result.ts";
import { asText } from "../text.ts";

/** Views that take longer than this get a refresh button instead of re-running on every change. */
const SLOW_MS = 3000;

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

/** The integration a login_required answer is about: its own field, or the name in its loginUrl. */
function integrationOf(error: ApiError): string | null {
  if (typeof error.problem.integration === "string") return error.problem.integration;
  const url = error.problem.loginUrl;
  if (typeof url === "string") {
    const m = /\/oauth2\/login\/([^/?#]+)/.exec(url);
    if (m) return decodeURIComponent(m[1]!);
  }
  return null;
}

export function AppPage({ app }: { app: string }) {
  const detail = useFetch(async () => parseApp(await api.get(`/api/apps/${encodeURIComponent(app)}`)), [app]);
  usePageTitle(detail.data?.title ?? app);
  // gatehouse dev: the app was reloaded after a save; read it again and start the workspace afresh.
  const reloaded = useAppReloads(app, detail.reload);
  if (detail.loading && !detail.data) return <Loading label="Loading the app…" />;
  if (!detail.data)
    return (
      <section>
        <p>
          <Link href="/apps">← Apps</Link>
        </p>
        <h1>{app}</h1>
        <ErrorMessage error={detail.error} />
      </section>
    );
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

type RunState =
  | { phase: "idle" }
  | { phase: "loading"; startedAt: number }
  | { phase: "done"; result: ViewResult; tookMs: number; stale: boolean }
  | { phase: "error"; error: unknown; tookMs: number };

function ViewPanel(props: {
  app: string;
  view: ViewInfo;
  params: Record<string, unknown>;
  blocked: string[];
  returnTo: string;
  onLoginRequired: (integration: string | null) => void;
}) {
  const { app, view, params, blocked, onLoginRequired } = props;
  const [state, setState] = useState<RunState>({ phase: "idle" });
  const [slow, setSlow] = useState((view.durationGuess ?? 0) * 1000 > SLOW_MS);
  const sequence = useRef(0);
  const paramsKey = JSON.stringify(params);
  const lastRunKey = useRef<string | null>(null);
  const isBlocked = blocked.length > 0;

  const run = useCallback(async () => {
    const mine = ++sequence.current;
    const startedAt = performance.now();
    lastRunKey.current = paramsKey;
    setState({ phase: "loading", startedAt: Date.now() });
    try {
      const raw = await api.post(
        `/api/apps/${encodeURIComponent(app)}/views/${encodeURIComponent(view.name)}`,
        { params: JSON.parse(paramsKey) as unknown },
      );
      if (mine !== sequence.current || !mounted.current) return;
      const tookMs = performance.now() - startedAt;
      if (tookMs > SLOW_MS) setSlow(true);
      setState({ phase: "done", result: parseResult(raw), tookMs, stale: false });
    } catch (error) {
      if (mine !== sequence.current || !mounted.current) return;
      const tookMs = performance.now() - startedAt;
      if (error instanceof ApiError && error.code === "login_required") {
        onLoginRequired(integrationOf(error));
        setState({ phase: "idle" });
        return;
      }
      setState({ phase: "error", error, tookMs });
    }
  }, [app, view.name, paramsKey, onLoginRequired]);

  // First run when the view opens (and once logins are in place); afterwards fast views follow the
  // parameters on their own, slow views wait for the refresh button.
  useEffect(() => {
    if (isBlocked) return;
    if (lastRunKey.current === null) {
      void run();
      return;
    }
    if (lastRunKey.current === paramsKey) return;
    if (slow) {
      setState((s) => (s.phase === "done" ? { ...s, stale: true } : s));
      return;
    }
    const timer = setTimeout(() => void run(), 400);
    return () => clearTimeout(timer);
  }, [isBlocked, paramsKey, slow, run]);

  // An answer that arrives after the view was left is dropped (StrictMode's test remount keeps it).
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const headingId = useId();
  const busy = state.phase === "loading";
  return (
    <div className="view-panel" aria-busy={busy} aria-labelledby={headingId}>
      <div className="view-head">
        <span id={headingId} className="visually-hidden">
          {view.label}
        </span>
        {state.phase === "done" && state.stale ? (
          <span className="muted small">The parameters changed. Refresh to update this view.</span>
        ) : null}
        {(slow || state.phase === "error") && !isBlocked ? (
          <button type="button" className="secondary small" disabled={busy} onClick={() => void run()}>
            Refresh
          </button>
        ) : null}
      </div>
      {isBlocked ? <p className="empty">Log in to {blocked.join(" and ")} to see this view.</p> : null}
      {state.phase === "loading" ? (
        <ViewLoading guess={view.durationGuess} startedAt={state.startedAt} />
      ) : null}
      {state.phase === "error" ? <ViewError error={state.error} /> : null}
      {state.phase === "done" ? <ViewBody result={state.result} view={view} app={app} /> : null}
    </div>
  );
}

function ViewLoading({ guess, startedAt }: { guess: number | null; startedAt: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const elapsed = (now - startedAt) / 1000;
  const expected = guess && guess > 0 ? guess : null;
  // Fill towards 95 % over the guessed duration, then wait there: never claim "done" before it is.
  const percent = expected ? Math.min(95, Math.round((elapsed / expected) * 95)) : null;
  const label = expected
    ? elapsed < expected
      ? `Loading… this usually takes about ${expected} s.`
      : "Still working… this is taking longer than usual."
    : "Loading…";
  return (
    <div className="view-loading" role="status" aria-live="polite">
      <p>
        <span className="spinner" aria-hidden="true" /> {label}
      </p>
      {percent !== null ? (
        <progress max={100} value={percent} aria-label="Progress of this view">
          {percent}%
        </progress>
      ) : (
        <progress aria-label="Progress of this view" />
      )}
    </div>
  );
}

function ViewError({ error }: { error: unknown }) {
  let message = error instanceof Error ? error.message : "Something went wrong while loading this view.";
  if (error instanceof ApiError && error.status >= 500 && !error.problem.detail && !error.problem.code)
    message = "The app failed while building this view. Try again, or tell the app's developer.";
  return (
    <div className="error" role="alert">
      <p>{message}</p>
    </div>
  );
}

function ViewBody({ result, view, app }: { result: ViewResult; view: ViewInfo; app: string }) {
  if (result.kind === "data") return <DataView items={result.items} title={view.label} />;
  if (result.kind === "table")
    return <TableView table={result.table} title={view.label} filename={`${app}-${view.name}.csv`} />;
  if (result.kind === "web") return <WebView html={result.html} title={view.label} />;
  return <p className="muted">This view returned a result the browser cannot show.</p>;
}
