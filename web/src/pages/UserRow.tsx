import { useState } from "react";
import { api } from "../api.ts";
import { ConfirmDialog, ErrorMessage, LocalTime } from "../components.tsx";
import type { HubUser } from "../types.ts";
import { useAction } from "../useAction.ts";
import type { TokenInfo } from "./tokenModel.ts";
import { TokenTable } from "./TokenTable.tsx";

const ROLES = ["user", "developer", "admin"] as const;

/**
 * One user on the Users page and what an admin can do to them: role, disable/enable, reset a local
 * password (generated, shown once), their tokens (listed, revocable) and delete (after a confirmation).
 * The hub refuses what would leave it without an admin (`last_admin`); that refusal shows here.
 */
export function UserRow(props: {
  user: HubUser;
  isMe: boolean;
  /** The only enabled admin: not to be demoted, disabled or deleted. */
  isLastAdmin: boolean;
  onChanged: () => Promise<void>;
}) {
  const { user } = props;
  const path = `/api/admin/users/${encodeURIComponent(String(user.id))}`;
  const { busy, error, run } = useAction();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [password, setPassword] = useState<string | null>(null);
  const [tokens, setTokens] = useState<TokenInfo[] | null>(null);

  const loadTokens = async () => setTokens(await api.get<TokenInfo[]>(`${path}/tokens`));
  const change = (body: { role?: string; disabled?: boolean }) =>
    run(async () => {
      await api.patch(path, body);
      await props.onChanged();
    });

  return (
    <>
      <tr>
        <th scope="row">
          {user.email}
          {props.isMe ? <span className="muted"> (you)</span> : null}
        </th>
        <td data-label="Role">
          {user.roleManagedBy ? (
            <span title={`Set by ${user.roleManagedBy} at each sign-in`}>
              <span className="pill">{user.role}</span>{" "}
              <span className="muted">from the identity provider</span>
            </span>
          ) : (
            <select
              aria-label={`Role of ${user.email}`}
              value={user.role}
              disabled={busy || props.isLastAdmin}
              onChange={(e) => void change({ role: e.target.value })}
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          )}
        </td>
        <td data-label="Status">{user.disabled ? <span className="pill">Disabled</span> : "Active"}</td>
        <td data-label="Signs in with">
          {[user.hasPassword ? "password" : null, user.identities?.length ? "identity provider" : null]
            .filter(Boolean)
            .join(", ") || "—"}
        </td>
        <td data-label="Created">
          <LocalTime value={user.createdAt} />
        </td>
        <td>
          <div className="row-actions">
            <button
              type="button"
              className="secondary small"
              disabled={busy || props.isLastAdmin}
              aria-label={user.disabled ? `Enable ${user.email}` : `Disable ${user.email}`}
              onClick={() => void change({ disabled: !user.disabled })}
            >
              {user.disabled ? "Enable" : "Disable"}
            </button>
            {user.hasPassword ? (
              <button
                type="button"
                className="secondary small"
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    const answer = await api.post<{ password: string }>(`${path}/password`, {});
                    setPassword(answer.password);
                  })
                }
                aria-label={`Reset password of ${user.email}`}
              >
                Reset password
              </button>
            ) : null}
            <button
              type="button"
              className="secondary small"
              disabled={busy}
              aria-expanded={tokens !== null}
              aria-label={`Tokens of ${user.email}`}
              onClick={() => void (tokens ? setTokens(null) : run(loadTokens))}
            >
              Tokens
            </button>
            <button
              type="button"
              className="danger small"
              disabled={busy || props.isLastAdmin}
              aria-label={`Delete ${user.email}`}
              onClick={() => setConfirmDelete(true)}
            >
              Delete
            </button>
          </div>
          {props.isLastAdmin ? (
            <p className="hint">
              The only admin: make another user an admin before demoting, disabling or deleting.
            </p>
          ) : null}
          <ConfirmDialog
            open={confirmDelete}
            title={`Delete ${user.email}?`}
            confirmLabel="Delete user"
            busy={busy}
            onCancel={() => setConfirmDelete(false)}
            onConfirm={() =>
              void run(async () => {
                setConfirmDelete(false);
                await api.delete(path);
                await props.onChanged();
              })
            }
          >
            <p>
              Their sessions end, their tokens stop working and their provider connections are revoked. This
              cannot be undone.
            </p>
          </ConfirmDialog>
        </td>
      </tr>
      {error || password || tokens ? (
        <tr className="detail-row">
          <td colSpan={6}>
            <ErrorMessage error={error} />
            {password ? (
              <p className="notice" role="status">
                New password for {user.email} (shown once; their sessions were ended):{" "}
                <code aria-label={`New password of ${user.email}`}>{password}</code>
              </p>
            ) : null}
            {tokens && tokens.length === 0 ? <p className="empty">{user.email} has no tokens.</p> : null}
            {tokens && tokens.length > 0 ? (
              <TokenTable
                caption={`Tokens of ${user.email}`}
                tokens={tokens}
                onRevoke={(token) =>
                  void run(async () => {
                    await api.delete(`${path}/tokens/${encodeURIComponent(token.id)}`);
                    await loadTokens();
                  })
                }
              />
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}
