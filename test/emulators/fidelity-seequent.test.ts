/**
 * Fidelity of the Seequent emulator's Evo APIs (discovery, workspaces) to PROVIDERS.md, over real HTTP:
 * the documented shapes, paging to the end, Bentley-issued tokens through the composed emulators, and the
 * RFC 7807 error cases. Tokens come from a test key pair (test/helpers/emulatorApiHarness.ts), not from
 * the emulators' auth servers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ALICE_ID, BOB_ID } from "../../src/emulators/shared/seedIds.ts";
import { EVO_ORG_ID } from "../../src/emulators/shared/seedSeequent.ts";
import { followPages, injectApiFault, serviceTokenFrom, useFidelityApi } from "../helpers/apiFidelity.ts";
import { getJson } from "../helpers/emulatorApiHarness.ts";
import { assertShape, oneOf, type Shape } from "../helpers/shape.ts";

const fidelity = useFidelityApi("seequent");

describe("Seequent Evo discovery and workspaces", () => {
  const EVO = ["openid", "evo.discovery", "evo.workspace"];
  const person: Shape = { id: "string", name: "string", email: "string" };
  const workspace: Shape = {
    id: "string",
    name: "string",
    description: "string",
    current_user_role: "string",
    bounding_box: oneOf("null", { type: "string", coordinates: [[["number"]]] }),
    created_at: "string",
    updated_at: "string",
    created_by: person,
    updated_by: person,
    default_coordinate_system: "string",
    labels: ["string"],
    ml_enabled: "boolean",
    self_link: "string",
  };
  const workspacesPage: Shape = {
    links: {
      first: "string",
      last: "string",
      next: "string|null",
      previous: "string|null",
      count: "integer",
      total: "integer",
    },
    results: [workspace],
  };
  const problem: Shape = { type: "string", title: "string", status: "integer", detail: "string" };
  const discovery: Shape = {
    discovery: {
      organizations: [{ id: "string", display_name: "string" }],
      hubs: [{ code: "string", display_name: "string", url: "string" }],
      services: [{ code: "string", display_name: "string" }],
      service_access: [{ org_id: "string", hub_code: "string", services: ["string"] }],
    },
  };

  let alice: string;
  const workspacesUrl = () => `${fidelity.api.url}/workspace/orgs/${EVO_ORG_ID}/workspaces`;
  beforeAll(async () => {
    alice = await fidelity.userToken(ALICE_ID, EVO);
  });

  it("serves discovery in the documented shape, for alice and for bob", async () => {
    const forAlice = await getJson(`${fidelity.api.url}/evo/identity/v2/discovery?service=evo`, {
      token: alice,
    });
    expect(forAlice.headers.get("content-type")).toMatch(/^application\/json/);
    assertShape(forAlice.body, discovery);
    expect(forAlice.body.discovery.hubs[0].url).toBe(fidelity.api.url);
    const bob = await fidelity.userToken(BOB_ID, EVO);
    const forBob = await getJson(`${fidelity.api.url}/evo/identity/v2/discovery?service=evo`, { token: bob });
    assertShape(forBob.body, discovery);
    expect(forBob.body.discovery.organizations).toEqual([]);
  });

  it("pages workspaces with limit/offset until links.next is null", async () => {
    type Page = {
      results: { id: string; current_user_role: string }[];
      links: { next: string | null; previous: string | null; count: number; total: number; last: string };
    };
    const pages = await followPages<Page>(
      `${workspacesUrl()}?limit=5&order_by=asc:name`,
      alice,
      {},
      (b) => b.links.next,
    );
    expect(pages.map((p) => p.results.length)).toEqual([5, 5, 2]);
    for (const page of pages) {
      assertShape(page, workspacesPage);
      expect(page.links.count).toBe(page.results.length);
      expect(page.links.total).toBe(12);
      for (const ws of page.results) expect(["owner", "editor", "viewer"]).toContain(ws.current_user_role);
    }
    expect(pages[0]!.links.previous).toBeNull();
    expect(pages[1]!.links.previous).toBe(`${workspacesUrl()}?order_by=asc:name&limit=5&offset=0`);
    expect(pages[0]!.links.last).toBe(`${workspacesUrl()}?order_by=asc:name&limit=5&offset=10`);
    expect(new Set(pages.flatMap((p) => p.results.map((w) => w.id))).size).toBe(12);
  });

  it("serves one workspace in the same shape as the list items", async () => {
    const list = await getJson(`${workspacesUrl()}?limit=1`, { token: alice });
    const one = await getJson(list.body.results[0].self_link, { token: alice });
    assertShape(one.body, workspace);
  });

  it("serves Evo to Bentley-issued tokens through the composed emulators, and injected 429s as problem JSON", async () => {
    const token = await serviceTokenFrom(
      fidelity.composed.bentley,
      "/connect/token",
      "evo.discovery evo.workspace",
    );
    const found = await getJson(`${fidelity.composed.seequent.url}/evo/identity/v2/discovery?service=evo`, {
      token,
    });
    assertShape(found.body, discovery);
    const hubUrl: string = found.body.discovery.hubs[0].url;
    expect(hubUrl).toBe(fidelity.composed.seequent.url);
    const page = await getJson(`${hubUrl}/workspace/orgs/${EVO_ORG_ID}/workspaces?limit=1`, { token });
    assertShape(page.body, workspacesPage);
    expect(page.body.links.total).toBe(2);
    injectApiFault(fidelity.composed.seequent, 429);
    const limited = await getJson(`${hubUrl}/workspace/orgs/${EVO_ORG_ID}/workspaces`, { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    assertShape(limited.body, problem);
  });

  describe("errors (RFC 7807)", () => {
    const expectProblem = (response: { status: number; body: unknown; headers: Headers }, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      assertShape(response.body, problem);
      expect((response.body as { status: number }).status).toBe(status);
    };

    it("401 without a token (with WWW-Authenticate) and with an expired one", async () => {
      const missing = await getJson(workspacesUrl());
      expectProblem(missing, 401);
      expect(missing.headers.get("www-authenticate")).toBe("Bearer");
      const expired = await fidelity.tokens.sign({ subject: ALICE_ID, scopes: EVO, expiresIn: -60 });
      expectProblem(
        await getJson(`${fidelity.api.url}/evo/identity/v2/discovery?service=evo`, { token: expired }),
        401,
      );
    });

    it("403 without the evo.* scope each API needs, and for another organisation", async () => {
      const discoveryOnly = await fidelity.userToken(ALICE_ID, ["evo.discovery"]);
      expectProblem(await getJson(workspacesUrl(), { token: discoveryOnly }), 403);
      const workspaceOnly = await fidelity.userToken(ALICE_ID, ["evo.workspace"]);
      expectProblem(
        await getJson(`${fidelity.api.url}/evo/identity/v2/discovery`, { token: workspaceOnly }),
        403,
      );
      const other = `${fidelity.api.url}/workspace/orgs/00000000-0000-4000-8000-000000000000/workspaces`;
      expectProblem(await getJson(other, { token: alice }), 403);
    });

    it("404 for an unknown workspace or route, 422 for a bad limit", async () => {
      expectProblem(
        await getJson(`${workspacesUrl()}/00000000-0000-4000-8000-000000000000`, { token: alice }),
        404,
      );
      expectProblem(await getJson(`${fidelity.api.url}/workspace/nothing`, { token: alice }), 404);
      expectProblem(await getJson(`${workspacesUrl()}?limit=0`, { token: alice }), 422);
    });

    it("429 with Retry-After as problem JSON", async () => {
      const limited = await getJson(workspacesUrl(), { token: alice, headers: { "x-test-fault": "429" } });
      expectProblem(limited, 429);
      expect(limited.headers.get("retry-after")).toBe("3");
    });
  });
});
