import { useState, type SubmitEvent } from "react";
import { api } from "../api.ts";
import { CopyButton, ErrorMessage, Loading, LocalTime } from "../components.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";
import { PAT_SCOPE_WORDS, type PatScope, type TokenInfo } from "./tokenModel.ts";
import { TokenTable } from "./TokenTable.tsx";

const EXPIRY_DAYS = [7, 30, 90, 180, 365] as const;
const DEFAULT_DAYS = 90;

/** App names typed as "a, b c" → ["a", "b", "c"]; none → null (every app). */
function appList(text: string): string[] | null {
  const names = text
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length ? names : null;
}

/**
 * Personal access tokens for scripts and app development: created here (from this signed-in session only,
 * with an expiry, scopes and optionally the apps they may serve), shown once, revoked here.
 */
export function AccessTokens() {
  const { me } = useSession();
  const tokens = useFetch(async () => await api.get<TokenInfo[]>("/api/me/tokens"), []);
  const [name, setName] = useState("");
  const [days, setDays] = useState<number>(DEFAULT_DAYS);
  const [scopes, setScopes] = useState<PatScope[]>(["tokens:read", "apps:run"]);
  const [apps, setApps] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string; expiresAt: string } | null>(null);
  const { busy, error, setError, run } = useAction();
  const offered = (Object.keys(PAT_SCOPE_WORDS) as PatScope[]).filter(
    (scope) => scope !== "admin" || me?.role === "admin",
  );

  async function create(event: SubmitEvent) {
    event.preventDefault();
    await run(async () => {
      const answer = await api.post<{ name: string; token: string; expiresAt: string }>("/api/me/tokens", {
        name: name.trim(),
        expiresInDays: days,
        scopes,
        apps: appList(apps),
      });
      setCreated({ name: answer.name, token: answer.token, expiresAt: answer.expiresAt });
      setName("");
      setApps("");
      await tokens.reload();
    });
  }

  async function revoke(token: TokenInfo) {
    setError(null);
    try {
      await api.delete(`/api/me/tokens/${encodeURIComponent(token.id)}`);
      if (created?.name === token.name) setCreated(null);
      await tokens.reload();
    } catch (err) {
      setError(err);
    }
  }

  const toggle = (scope: PatScope, on: boolean) =>
    setScopes((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));

  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Personal access tokens</h2>
      <p className="muted">
        For scripts and local app development: send one as <code>Authorization: Bearer …</code>. A token
        cannot create tokens; it stops working when it expires, when you revoke it, or when your account is
        disabled.
      </p>
      <ErrorMessage error={tokens.error} />
      <ErrorMessage error={error} />
      {created ? (
        <div className="callout" role="status">
          <label htmlFor="new-token">
            Your new token “{created.name}”, valid until <LocalTime value={created.expiresAt} />. Copy it now:
            it is not shown again.
          </label>
          <div className="copy-row">
            <input id="new-token" readOnly value={created.token} onFocus={(e) => e.target.select()} />
            <CopyButton text={created.token} what="the new token" />
          </div>
        </div>
      ) : null}
      <form className="card stack" onSubmit={(e) => void create(e)} aria-label="Create a token">
        <label>
          Token name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label>
          Expires after
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {EXPIRY_DAYS.map((n) => (
              <option key={n} value={n}>
                {n} days
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>May use</legend>
          {offered.map((scope) => (
            <label key={scope} className="checkbox">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(e) => toggle(scope, e.target.checked)}
              />
              <code>{scope}</code> {PAT_SCOPE_WORDS[scope]}
            </label>
          ))}
        </fieldset>
        <label>
          Only these apps (optional)
          <input
            value={apps}
            onChange={(e) => setApps(e.target.value)}
            placeholder="every app"
            aria-describedby="apps-hint"
          />
          <span id="apps-hint" className="hint">
            App names, separated by commas; leave empty for every app.
          </span>
        </label>
        <button type="submit" disabled={busy || scopes.length === 0}>
          Create token
        </button>
      </form>
      {tokens.loading && !tokens.data ? <Loading /> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <TokenTable caption="Personal access tokens" tokens={tokens.data} onRevoke={(t) => void revoke(t)} />
      ) : null}
    </section>
  );
}
