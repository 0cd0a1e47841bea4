import type { SandboxSummary } from "../types.ts";
import { api } from "../api.ts";
import { useSession } from "../session.tsx";
import { useFetch } from "../useFetch.ts";

/** For admins and developers: says so when this hub runs its apps without the sandbox. */
export function SandboxWarning() {
  const { me } = useSession();
  const staff = me?.role === "admin" || me?.role === "developer";
  const overview = useFetch(
    async () => (staff ? await api.get<{ sandbox?: SandboxSummary }>("/api/admin/apps") : null),
    [staff],
  );
  const warning = overview.data?.sandbox?.warning;
  return warning ? (
    <p className="warning-banner" role="alert">
      {warning}
    </p>
  ) : null;
}
