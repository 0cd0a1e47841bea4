import { useState, type FormEvent } from "react";
import { api, asList } from "../api.ts";
import { CopyButton, DataTable, ErrorMessage, Loading, LocalTime } from "../components.tsx";
import { useAction } from "../useAction.ts";
import { useFetch } from "../useFetch.ts";

interface TokenInfo {
  id: string;
  name: string;
  createdAt: number | string;
  lastUsedAt: number | string | null;
}

/** Personal access tokens for scripts and app development: created here, shown once, deleted here. */
export function AccessTokens() {
  const tokens = useFetch(async () => asList<TokenInfo>(await api.get("/api/me/tokens"), "tokens"), []);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const { busy, error, setError, run } = useAction();

  async function create(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const answer = await api.post<{ name: string; token: string }>("/api/me/tokens", { name: name.trim() });
      setCreated({ name: answer.name, token: answer.token });
      setName("");
      await tokens.reload();
    });
  }

  async function remove(token: TokenInfo) {
    setError(null);
    try {
      await api.delete(`/api/me/tokens/${encodeURIComponent(token.id)}`);
      if (created?.name === token.name) setCreated(null);
      await tokens.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Personal access tokens</h2>
      <p className="muted">
        For scripts and local app development: send one as <code>Authorization: Bearer …</code>.
      </p>
      <ErrorMessage error={tokens.error} />
      <ErrorMessage error={error} />
      {created ? (
        <div className="callout" role="status">
          <label htmlFor="new-token">
            Your new token “{created.name}”. Copy it now: it is not shown again.
          </label>
          <div className="copy-row">
            <input id="new-token" readOnly value={created.token} onFocus={(e) => e.target.select()} />
            <CopyButton text={created.token} what="the new token" />
          </div>
        </div>
      ) : null}
      <form className="inline-form" onSubmit={(e) => void create(e)}>
        <label>
          Token name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <button type="submit" disabled={busy}>
          Create token
        </button>
      </form>
      {tokens.loading && !tokens.data ? <Loading /> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <DataTable
          caption="Personal access tokens"
          cardsOnPhone
          columns={["Name", "Created", "Last used", { actions: true }]}
        >
          {tokens.data.map((token) => (
            <tr key={token.id}>
              <th scope="row">{token.name}</th>
              <td data-label="Created">
                <LocalTime value={token.createdAt} />
              </td>
              <td data-label="Last used">
                <LocalTime value={token.lastUsedAt} fallback="Never" />
              </td>
              <td>
                <button
                  type="button"
                  className="secondary small"
                  aria-label={`Delete token ${token.name}`}
                  onClick={() => void remove(token)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </section>
  );
}
