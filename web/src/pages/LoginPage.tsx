import { useState, type SubmitEvent } from "react";
import { api } from "../api.ts";
import { ErrorMessage, LabelledInput, usePageTitle } from "../components.tsx";
import { navigate } from "../router.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";

/** How this hub signs people in (GET /api/auth/methods). */
interface SignInMethods {
  password: boolean;
  oidc: { name: string; loginUrl: string } | null;
}

/** Only paths on this hub may be a destination after signing in (no open redirect). */
function safeNext(value: string | null): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/login"))
    return "/apps";
  return value;
}

export function LoginPage() {
  usePageTitle("Sign in");
  const { reload } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  const methods = useFetch(() => api.get<SignInMethods>("/api/auth/methods"), []);
  const next = safeNext(new URLSearchParams(window.location.search).get("next"));

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    await run(
      async () => {
        await api.post("/api/auth/login", { email, password });
        await reload();
        // The hub sends people here from API routes (e.g. "Log in to …" before signing in): those need a
        // real page load, the SPA's own pages do not.
        if (next.startsWith("/api/")) window.location.assign(next);
        else navigate(next, { replace: true });
      },
      { leavesPage: true },
    );
  }

  // Until the hub says otherwise, offer passwords (an older hub has no /api/auth/methods).
  const passwordsOn = methods.data?.password ?? true;
  const oidc = methods.data?.oidc ?? null;
  return (
    <div className="login">
      <h1>Sign in to Gatehouse</h1>
      {oidc ? (
        <div className="card stack">
          {/* A full page load: the hub sends the browser on to the identity provider. */}
          <a className="button" href={`${oidc.loginUrl}?returnTo=${encodeURIComponent(next)}`}>
            Sign in with {oidc.name}
          </a>
        </div>
      ) : null}
      {passwordsOn ? (
        <form onSubmit={(event) => void submit(event)} className="card stack">
          <LabelledInput
            label="Email"
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onValue={setEmail}
          />
          <LabelledInput
            label="Password"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onValue={setPassword}
          />
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      ) : (
        <p className="muted">
          Passwords are turned off on this hub: sign in with {oidc?.name ?? "your identity provider"}.
        </p>
      )}
    </div>
  );
}
