import { useState, type SubmitEvent } from "react";
import { api } from "../api.ts";
import { DataTable, ErrorMessage, LabelledInput, Loading, usePageTitle } from "../components.tsx";
import { useSession } from "../session.tsx";
import type { HubUser } from "../types.ts";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";
import { UserRow } from "./UserRow.tsx";

export function UsersPage() {
  usePageTitle("Users");
  const { me } = useSession();
  const users = useFetch(async () => await api.get<HubUser[]>("/api/admin/users"), []);
  // The hub refuses to lose its last enabled admin (last_admin); the page does not offer it either.
  const lastAdmins = (users.data ?? []).filter((user) => user.role === "admin" && !user.disabled);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState("user");
  const [created, setCreated] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setCreated(null);
    await run(async () => {
      await api.post("/api/admin/users", { email, password, role });
      setCreated(email);
      setEmail("");
      setPassword("");
      await users.reload();
    });
  }

  return (
    <section>
      <h1>Hub users</h1>
      <div className="stack">
        <div>
          <h2>People</h2>
          <ErrorMessage error={users.error} />
          {users.loading && !users.data ? <Loading /> : null}
          {users.data && users.data.length === 0 ? <p className="empty">No users yet.</p> : null}
          {users.data && users.data.length > 0 ? (
            <DataTable
              caption="Hub users"
              cardsOnPhone
              columns={["Email", "Role", "Status", "Signs in with", "Created", { actions: true }]}
            >
              {users.data.map((user) => (
                <UserRow
                  key={String(user.id)}
                  user={user}
                  isMe={String(user.id) === String(me?.id)}
                  isLastAdmin={lastAdmins.length === 1 && lastAdmins[0] === user}
                  onChanged={users.reload}
                />
              ))}
            </DataTable>
          ) : null}
        </div>
        <form className="card stack" onSubmit={(e) => void submit(e)}>
          <h2>Add a user</h2>
          <LabelledInput
            label="Email"
            type="email"
            required
            value={email}
            onValue={setEmail}
            autoComplete="off"
          />
          <LabelledInput
            label="Password"
            type="password"
            required
            minLength={8}
            value={password}
            onValue={setPassword}
            autoComplete="new-password"
          />
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              <option value="user">User: uses apps</option>
              <option value="developer">Developer: also builds apps</option>
              <option value="admin">Admin: manages integrations and users</option>
            </select>
          </label>
          <ErrorMessage error={error} />
          {created ? (
            <p className="notice" role="status">
              {created} can now sign in.
            </p>
          ) : null}
          <button type="submit" disabled={busy}>
            Add user
          </button>
        </form>
      </div>
    </section>
  );
}
