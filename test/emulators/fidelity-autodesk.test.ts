/**
 * Fidelity of the Autodesk emulator's Data Management API (hubs and projects) to PROVIDERS.md, over real
 * HTTP: the JSON:API shapes, BIM 360's warning for a user without hubs, paging to the end, two-legged
 * callers through the composed emulator, and the error cases. Tokens come from a test key pair
 * (test/helpers/emulatorApiHarness.ts), not from the emulators' auth servers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ACC_HUB_ID, TEAM_HUB_ID } from "../../src/emulators/shared/seedAutodesk.ts";
import { ALICE_ID, BOB_ID } from "../../src/emulators/shared/seedIds.ts";
import { followPages, injectApiFault, serviceTokenFrom, useFidelityApi } from "../helpers/apiFidelity.ts";
import { getJson } from "../helpers/emulatorApiHarness.ts";
import { assertShape, type Shape } from "../helpers/shape.ts";

const fidelity = useFidelityApi("autodesk");

describe("Autodesk Data Management hubs and projects", () => {
  const href: Shape = { href: "string" };
  const jsonapi: Shape = { version: "string" };
  const extension = (data: Shape): Shape => ({ type: "string", version: "string", schema: href, data });
  const hub: Shape = {
    type: "string",
    id: "string",
    attributes: { name: "string", region: "string", extension: extension({}) },
    links: { self: href },
    relationships: { projects: { links: { related: href } } },
  };
  const project: Shape = {
    type: "string",
    id: "string",
    attributes: { name: "string", scopes: ["string"], extension: extension({ "projectType?": "string" }) },
    links: { self: href },
    relationships: {
      hub: { data: { type: "string", id: "string" }, links: { related: href } },
      rootFolder: { data: { type: "string", id: "string" }, meta: { link: href } },
      topFolders: { links: { related: href } },
    },
  };
  const warning: Shape = {
    Id: "string|null",
    HttpStatusCode: "string",
    ErrorCode: "string",
    Title: "string",
    Detail: "string",
    AboutLink: "string|null",
    Source: ["any"],
    meta: ["any"],
  };
  const errorShape: Shape = { jsonapi, errors: [{ status: "string", code: "string", detail: "string" }] };

  let alice: string;
  beforeAll(async () => {
    alice = await fidelity.userToken(ALICE_ID, ["data:read", "user-profile:read"]);
  });

  it("lists alice's hubs in the JSON:API shape", async () => {
    const response = await getJson(`${fidelity.api.url}/project/v1/hubs`, { token: alice });
    expect(response.headers.get("content-type")).toMatch(/^application\/vnd\.api\+json/);
    assertShape(response.body, { jsonapi, links: { self: href }, data: [hub] });
    expect(response.body.jsonapi.version).toBe("1.0");
    expect(response.body.links.self.href).toBe(`${fidelity.api.url}/project/v1/hubs`);
    for (const h of response.body.data) {
      expect(h.type).toBe("hubs");
      expect(h.id).toMatch(/^[ab]\.\S+$/);
      expect(["US", "EMEA", "APAC", "AUS", "CAN", "DEU", "IND", "JPN", "GBR"]).toContain(h.attributes.region);
    }
    const acc = response.body.data.find((h: { id: string }) => h.id === ACC_HUB_ID);
    expect(acc.id).toMatch(/^b\.[0-9a-f-]{36}$/);
    expect(acc.attributes.extension.type).toBe("hubs:autodesk.bim360:Account");
    const one = await getJson(acc.links.self.href, { token: alice });
    assertShape(one.body, { jsonapi, links: { self: href }, data: hub });
  });

  it("answers bob with 200, empty data and the BIM360DM_ERROR warning", async () => {
    const bob = await fidelity.userToken(BOB_ID, ["data:read"]);
    const response = await getJson(`${fidelity.api.url}/project/v1/hubs`, { token: bob });
    expect(response.status).toBe(200);
    assertShape(response.body, { jsonapi, links: { self: href }, data: [], meta: { warnings: [warning] } });
    expect(response.body.data).toEqual([]);
    expect(response.body.meta.warnings[0]).toMatchObject({
      HttpStatusCode: "403",
      ErrorCode: "BIM360DM_ERROR",
    });
  });

  it("pages projects with page[number]/page[limit] until there is no next link", async () => {
    const first = `${fidelity.api.url}/project/v1/hubs/${ACC_HUB_ID}/projects?page[limit]=3`;
    type Page = { data: { id: string; type: string }[]; links: { next?: { href: string } } };
    const pages = await followPages<Page>(first, alice, {}, (body) => body.links.next?.href);
    expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1]);
    for (const page of pages) {
      assertShape(page, {
        jsonapi,
        links: { self: href, first: href, "prev?": href, "next?": href },
        data: [project],
      });
      for (const p of page.data) expect(p.type).toBe("projects");
    }
    expect(new Set(pages.flatMap((p) => p.data.map((d) => d.id))).size).toBe(7);
    const team = await getJson(`${fidelity.api.url}/project/v1/hubs/${TEAM_HUB_ID}/projects`, {
      token: alice,
    });
    assertShape(team.body, { jsonapi, links: { self: href, first: href }, data: [project] });
  });

  it("serves two-legged callers through the composed APS emulator, and injected 429s as JSON:API", async () => {
    const token = await serviceTokenFrom(fidelity.composed.autodesk, "/authentication/v2/token", "data:read");
    const hubs = await getJson(`${fidelity.composed.autodesk.url}/project/v1/hubs`, { token });
    assertShape(hubs.body, { jsonapi, links: { self: href }, data: [hub] });
    expect(hubs.body.data.map((h: { id: string }) => h.id)).toEqual([ACC_HUB_ID]);
    injectApiFault(fidelity.composed.autodesk, 429);
    const limited = await getJson(`${fidelity.composed.autodesk.url}/project/v1/hubs`, { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.headers.get("content-type")).toMatch(/^application\/vnd\.api\+json/);
    assertShape(limited.body, errorShape);
  });

  describe("errors", () => {
    const expectError = (response: { status: number; body: unknown; headers: Headers }, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/vnd\.api\+json/);
      assertShape(response.body, errorShape);
      expect((response.body as { errors: { status: string }[] }).errors[0]!.status).toBe(String(status));
    };

    it("401 without a token or with a bad one", async () => {
      expectError(await getJson(`${fidelity.api.url}/project/v1/hubs`), 401);
      const foreign = await fidelity.tokens.signWithStrangerKey({ subject: ALICE_ID, scopes: ["data:read"] });
      expectError(await getJson(`${fidelity.api.url}/project/v1/hubs`, { token: foreign }), 401);
    });

    it("403 without data:read", async () => {
      const writeOnly = await fidelity.userToken(ALICE_ID, ["data:write"]);
      expectError(await getJson(`${fidelity.api.url}/project/v1/hubs`, { token: writeOnly }), 403);
    });

    it("404 for an unknown hub, 400 for a bad page", async () => {
      expectError(
        await getJson(`${fidelity.api.url}/project/v1/hubs/b.nope/projects`, { token: alice }),
        404,
      );
      expectError(
        await getJson(`${fidelity.api.url}/project/v1/hubs/${ACC_HUB_ID}/projects?page[number]=-1`, {
          token: alice,
        }),
        400,
      );
    });

    it("429 with Retry-After in the JSON:API error shape", async () => {
      const limited = await getJson(`${fidelity.api.url}/project/v1/hubs`, {
        token: alice,
        headers: { "x-test-fault": "429" },
      });
      expectError(limited, 429);
      expect(limited.headers.get("retry-after")).toBe("3");
    });
  });
});
