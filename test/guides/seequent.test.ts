// The Seequent guide "Apps and tokens" (seeds/003), followed literally in the sandbox: `gatehouse emulate`
// as a real process on its own data directory, then
// - the native app: a sign-in with auth code + PKCE at IMS with the guide's scopes (`gatehouse login`,
//   through the emulator's real sign-in form), the token from `gatehouse token`;
// - the service app: `gatehouse token --grant client_credentials`, and the guide's own request (client id
//   and secret in the form body of a POST to /connect/token);
// each token then calling the Evo discovery API on discover.api.seequent.com (mapped to the emulator as
// apps' requests are) and listing the organisation's workspaces on the hub it names, page by page.
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHostMap } from "../../src/apps/hostMap.ts";
import { resolveUrl, setDefaultHostMap } from "../../src/sdk/invocation.ts";
import { cliLogin } from "../helpers/cliLogin.ts";
import { runCli } from "../helpers/cliProcess.ts";
import { postForm } from "../helpers/emulatorOAuth.ts";
import { startEmulatorProcess, type EmulatorProcess } from "../helpers/hubProcesses.ts";
import { useTempDir } from "../helpers/tempDir.ts";

/** The guide's scopes, space-separated "(not commas)", always with evo.discovery and evo.workspace. */
const GUIDE_SCOPES = ["evo.discovery", "evo.workspace", "evo.object", "evo.blocksync"];
const EVO_DISCOVERY = "https://discover.api.seequent.com/evo/identity/v2/discovery?service=evo";

let emulators: EmulatorProcess;
const tmp = useTempDir("gh-guide-seequent-");
beforeAll(async () => {
  emulators = await startEmulatorProcess([], { dataDir: join(tmp(), "emulators") });
  const port = (url: string) => Number(new URL(url).port);
  setDefaultHostMap(
    apiHostMap({
      sandbox: true,
      emulatorPorts: [port(emulators.bentley), port(emulators.autodesk), port(emulators.seequent)],
    }),
  );
});
afterAll(async () => {
  setDefaultHostMap({});
  await emulators?.stop();
});

interface Discovery {
  discovery: {
    organizations: { id: string; display_name: string }[];
    hubs: { code: string; display_name: string; url: string }[];
    service_access: { org_id: string; hub_code: string; services: string[] }[];
  };
}
interface WorkspacePage {
  links: { next: string | null; total: number };
  results: { name: string; current_user_role: string }[];
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(resolveUrl(url), {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Discovery, then every page of the workspaces of the organisation it names, on the hub it names. */
async function listWorkspaces(token: string): Promise<{ organization: string; workspaces: string[] }> {
  const { discovery } = await getJson<Discovery>(EVO_DISCOVERY, token);
  const access = discovery.service_access.find((a) => a.services.includes("evo"));
  expect(access).toBeDefined();
  const organization = discovery.organizations.find((o) => o.id === access!.org_id)!;
  const hub = discovery.hubs.find((h) => h.code === access!.hub_code)!;
  const workspaces: string[] = [];
  let next: string | null =
    `${hub.url}/workspace/orgs/${organization.id}/workspaces?limit=5&order_by=asc:name`;
  while (next) {
    const page: WorkspacePage = await getJson<WorkspacePage>(next, token);
    workspaces.push(...page.results.map((w) => w.name));
    next = page.links.next;
    expect(workspaces.length).toBeLessThanOrEqual(page.links.total);
  }
  return { organization: organization.display_name, workspaces };
}

describe("Seequent guide, native app: auth code + PKCE with gatehouse login", () => {
  it("signs alice in with the guide's scopes and lists her workspaces with the token", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: join(tmp(), "native-config") };
    const login = await cliLogin({
      provider: "seequent-evo",
      issuer: emulators.bentley,
      configDir: env.GATEHOUSE_CONFIG_DIR,
      email: "alice@example.com",
      scopes: GUIDE_SCOPES.join(" "),
    });
    const request = login.authorizationUrl;
    expect(request.searchParams.get("code_challenge_method")).toBe("S256");
    expect(request.searchParams.get("scope")!.split(" ")).toEqual(expect.arrayContaining(GUIDE_SCOPES));
    expect(new URL(request.searchParams.get("redirect_uri")!).pathname).toBe("/signin-callback");
    expect(login.said).toContain("as alice@example.com (Alice Anders)");

    const token = await runCli(["token", "--provider", "seequent-evo"], { env });
    expect(token.code).toBe(0);
    const accessToken = token.stdout.trim();
    expect(decodeJwt(accessToken).scope).toEqual(expect.arrayContaining(GUIDE_SCOPES));

    const { organization, workspaces } = await listWorkspaces(accessToken);
    expect(organization).toBe("Anders Geoscience");
    expect(workspaces).toHaveLength(12);
    expect(workspaces[0]).toBe("Aurora Gold Resource Model");
    expect(workspaces).toEqual([...workspaces].sort());
  });
});

describe("Seequent guide, service app: client credentials", () => {
  const serviceWorkspaces = ["Aurora Gold Resource Model", "Copper Ridge Exploration"];

  it("gatehouse token --grant client_credentials gets a service token that lists the service's workspaces", async () => {
    const token = await runCli(
      [
        "token",
        "--grant",
        "client_credentials",
        "--provider",
        "seequent-evo",
        "--client-id",
        "sandbox-service",
        "--issuer",
        emulators.bentley,
        "--scopes",
        GUIDE_SCOPES.join(" "),
      ],
      {
        env: {
          GATEHOUSE_CONFIG_DIR: join(tmp(), "service-config"),
          GATEHOUSE_CLIENT_SECRET: "sandbox-service-secret",
        },
      },
    );
    expect(token.stderr).toBe("");
    expect(token.code).toBe(0);
    const claims = decodeJwt(token.stdout.trim());
    expect(claims.sub).toBe("sandbox-service");
    expect(claims.scope).toEqual(GUIDE_SCOPES);
    expect(await listWorkspaces(token.stdout.trim())).toEqual({
      organization: "Anders Geoscience",
      workspaces: serviceWorkspaces,
    });
  });

  it("the guide's own request — client id and secret in the form body — works the same", async () => {
    const answer = await postForm(`${emulators.bentley}/connect/token`, {
      grant_type: "client_credentials",
      client_id: "sandbox-service",
      client_secret: "sandbox-service-secret",
      scope: GUIDE_SCOPES.join(" "),
    });
    expect(answer.status).toBe(200);
    const { access_token: accessToken } = answer.json<{ access_token: string }>();
    expect((await listWorkspaces(accessToken)).workspaces).toEqual(serviceWorkspaces);
  });
});
