import { DataTable, LocalTime } from "../components.tsx";
import type { TokenInfo } from "./tokenModel.ts";

/** Tokens with their scopes, apps, expiry and last use, each with a Revoke button (yours, or a user's). */
export function TokenTable(props: {
  caption: string;
  tokens: TokenInfo[];
  onRevoke: (token: TokenInfo) => void;
}) {
  return (
    <DataTable
      caption={props.caption}
      cardsOnPhone
      columns={["Name", "Scopes", "Apps", "Expires", "Last used", { actions: true }]}
    >
      {props.tokens.map((token) => (
        <tr key={token.id}>
          <th scope="row">{token.name}</th>
          <td data-label="Scopes">{token.scopes.join(" ")}</td>
          <td data-label="Apps">{token.apps ? token.apps.join(", ") : "Every app"}</td>
          <td data-label="Expires">
            {token.expired ? <span className="pill">Expired</span> : <LocalTime value={token.expiresAt} />}
          </td>
          <td data-label="Last used">
            <LocalTime value={token.lastUsedAt} fallback="Never" />
          </td>
          <td>
            <button
              type="button"
              className="secondary small"
              aria-label={`Revoke token ${token.name}`}
              onClick={() => props.onRevoke(token)}
            >
              Revoke
            </button>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
