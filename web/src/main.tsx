import { StrictMode, useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import "./styles.css";
import { api, ApiError, SIGNED_OUT_EVENT } from "./api.ts";
import { Link, match, navigate, useLocation } from "./router.tsx";
import { SessionContext, type Me } from "./session.tsx";
import { Loading } from "./components.tsx";
import { LoginPage } from "./pages/LoginPage.tsx";
import { IntegrationsPage } from "./pages/IntegrationsPage.tsx";
import { IntegrationWizard } from "./pages/IntegrationWizard.tsx";
import { IntegrationEditPage } from "./pages/IntegrationEditPage.tsx";
import { UsersPage } from "./pages/UsersPage.tsx";
import { AuditPage } from "./pages/AuditPage.tsx";
import { AppsPage } from "./pages/AppsPage.tsx";
import { AppPage } from "./pages/AppPage.tsx";
import { AccountPage } from "./pages/AccountPage.tsx";
import { NotFoundPage } from "./pages/NotFoundPage.tsx";

function Page({ path, me }: { path: string; me: Me }) {
  const admin = me.role === "admin";
  if (path === "/" || path === "") return <Redirect to="/apps" />;
  if (path === "/apps") return <AppsPage />;
  let params = match("/apps/:app", path);
  if (params) return <AppPage app={params.app!} />;
  if (path === "/account") return <AccountPage />;
  if (path.startsWith("/admin") && !admin) return <NotFoundPage message="This page is for administrators." />;
  if (path === "/admin" || path === "/admin/integrations") return <IntegrationsPage />;
  if (path === "/admin/integrations/new") return <IntegrationWizard />;
  params = match("/admin/integrations/:name", path);
  if (params) return <IntegrationEditPage name={params.name!} />;
  if (path === "/admin/users") return <UsersPage />;
  if (path === "/admin/audit") return <AuditPage />;
  return <NotFoundPage />;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Header({ me, path, onSignOut }: { me: Me; path: string; onSignOut: () => void }) {
  const links: [string, string][] = [
    ["/apps", "Apps"],
    ["/account", "Account"],
  ];
  if (me.role === "admin")
    links.push(["/admin/integrations", "Integrations"], ["/admin/users", "Users"], ["/admin/audit", "Audit"]);
  return (
    <header className="topbar">
      <Link href="/apps" className="brand">
        Gatehouse
      </Link>
      <nav aria-label="Main">
        <ul>
          {links.map(([href, label]) => (
            <li key={href}>
              <Link
                href={href}
                aria-current={path === href || path.startsWith(`${href}/`) ? "page" : undefined}
              >
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="who">
        <span className="muted" title={me.role}>
          {me.email}
        </span>
        <button type="button" className="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function App() {
  const location = useLocation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const reload = useCallback(async () => {
    try {
      setMe(await api.get<Me>("/api/me"));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setMe(null);
    }
  }, []);

  useEffect(() => {
    // On the sign-in page nobody is signed in yet as far as the UI cares; asking would only log a 401.
    if (window.location.pathname === "/login") setMe(null);
    else void reload();
  }, [reload]);

  useEffect(() => {
    const onSignedOut = () => setMe(null);
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
  }, []);

  const signOut = useCallback(async () => {
    if (me?.signedInWith === "oidc") {
      // The hub ends the session and answers where the provider's own sign-out is; a top-level navigation
      // there carries the provider's session cookie (and its address is not ours to fetch).
      try {
        const { location } = await api.post<{ location: string }>("/api/auth/oidc/logout");
        window.location.assign(location);
        return;
      } catch {
        // Fall through: at least the hub's session ends.
      }
    }
    try {
      await api.post("/api/auth/logout");
    } finally {
      setMe(null);
      navigate("/login");
    }
  }, [me?.signedInWith]);

  const onLogin = location.path === "/login";
  useEffect(() => {
    if (me === null && !onLogin) {
      const next = location.path + window.location.search;
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
    }
  }, [me, onLogin, location.path]);

  let body;
  if (me === undefined) body = <Loading />;
  else if (onLogin) body = <LoginPage />;
  else if (me === null) body = <Loading />;
  else body = <Page path={location.path.replace(/\/+$/, "") || "/"} me={me} />;

  return (
    <SessionContext.Provider value={{ me: me ?? null, reload }}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      {me && !onLogin ? <Header me={me} path={location.path} onSignOut={() => void signOut()} /> : null}
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </SessionContext.Provider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
