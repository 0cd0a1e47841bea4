import { useCallback, useEffect, useId, useRef, useState } from "react";
import { api, ApiError } from "../api.ts";
import type { ViewInfo } from "../appModel.ts";
import { DataView } from "../views/DataView.tsx";
import { TableView } from "../views/TableView.tsx";
import { WebView } from "../views/WebView.tsx";
import { parseResult, type ViewResult } from "../views/result.ts";

/** Views that take longer than this get a refresh button instead of re-running on every change. */
const SLOW_MS = 3000;

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

type RunState =
  | { phase: "idle" }
  | { phase: "loading"; startedAt: number }
  | { phase: "done"; result: ViewResult; tookMs: number; stale: boolean }
  | { phase: "error"; error: unknown; tookMs: number };

/** One view of an app: runs it with the parameters, shows its result, its progress or its error. */
export function ViewPanel(props: {
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
