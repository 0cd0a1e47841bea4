import { CopyButton } from "../components.tsx";
import type { ProviderPreset, SandboxInfo } from "../types.ts";

/** The sandbox's clients, in one sentence (the emulators register the same three everywhere). */
function Clients({ info }: { info: SandboxInfo }) {
  if (!info.clients) return null;
  const { web, service } = info.clients;
  return (
    <p className="small sandbox-clients">
      Each emulator registers the client <code>{web.clientId}</code> with the secret{" "}
      <code>{web.clientSecret}</code> (for a service integration: <code>{service.clientId}</code> /{" "}
      <code>{service.clientSecret}</code>), and signs in <code>alice@example.com</code>,{" "}
      <code>bob@example.com</code> or <code>carol@example.com</code> with the password <code>sandbox</code>.
    </p>
  );
}

/** On a preset's Configuration step in the sandbox: where the prefilled URLs point. */
export function SandboxNote({ preset, info }: { preset: ProviderPreset; info: SandboxInfo | undefined }) {
  const note = preset.sandbox;
  if (!note) return null;
  return (
    <div className="callout sandbox-note" role="note" aria-label="Sandbox">
      <p>
        <strong>{note.message}</strong> Outside the sandbox (<code>GATEHOUSE_SANDBOX=false</code>) this preset
        uses the real platform, <code>{note.realIssuer}</code>.
      </p>
      {info ? <Clients info={info} /> : null}
    </div>
  );
}

/** On the Generic step in the sandbox: every emulator's endpoints, to type or copy into the fields. */
export function SandboxEndpoints({ info }: { info: SandboxInfo }) {
  const servers = info.emulators.filter((e) => e.issuer);
  if (!info.sandbox || servers.length === 0) return null;
  return (
    <section className="callout sandbox-endpoints" aria-labelledby="sandbox-endpoints-heading">
      <h3 id="sandbox-endpoints-heading">Sandbox: the local emulators&apos; endpoints</h3>
      <p className="small">
        A guide&apos;s real URLs (such as <code>https://ims.bentley.com/connect/token</code>) are these here.
      </p>
      {servers.map((e) => {
        const rows: [string, string | null][] = [
          ["Authorization URL", e.authorizationUrl],
          ["Token URL", e.tokenUrl],
          ["Revocation URL", e.revocationUrl],
          ["Introspection URL", e.introspectionUrl],
          ["Issuer", e.issuer],
        ];
        return (
          <div key={e.name} className="endpoint-group">
            <h4>
              {e.displayName}
              {e.signInFor.length > 0 ? (
                <span className="muted small"> (sign-in for {e.signInFor.join(", ")})</span>
              ) : null}
            </h4>
            <dl className="endpoints">
              {rows
                .filter((row): row is [string, string] => row[1] !== null)
                .map(([label, value]) => (
                  <div key={label}>
                    <dt>{label}</dt>
                    <dd>
                      <code>{value}</code>
                      <CopyButton text={value} what={`${e.displayName} ${label.toLowerCase()}`} />
                    </dd>
                  </div>
                ))}
            </dl>
          </div>
        );
      })}
      <Clients info={info} />
    </section>
  );
}
