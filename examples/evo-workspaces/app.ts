import { OAuth2Integration, TableResult, defineApp, tableView, text } from "gatehouse/sdk";

const DISCOVERY_URL = "https://discover.api.seequent.com/evo/identity/v2/discovery?service=evo";
const MAX_PAGES = 50;

interface Discovery {
  discovery?: {
    organizations?: { id: string; display_name?: string }[];
    hubs?: { code: string; display_name?: string; url: string }[];
    service_access?: { org_id: string; hub_code: string; services?: string[] }[];
  };
}
interface Workspace {
  id: string;
  name?: string;
  description?: string;
  current_user_role?: string;
  created_at?: string;
  updated_at?: string;
}
interface WorkspacePage {
  results?: Workspace[];
  links?: { next?: string | null };
}

async function workspacesOf(evo: OAuth2Integration, hubUrl: string, orgId: string): Promise<Workspace[]> {
  const all: Workspace[] = [];
  let url: string | null | undefined =
    `${hubUrl.replace(/\/+$/, "")}/workspace/orgs/${encodeURIComponent(orgId)}/workspaces?limit=100&offset=0&order_by=asc:name`;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const body = (await (await evo.fetch(url)).json()) as WorkspacePage;
    all.push(...(body.results ?? []));
    url = body.links?.next;
  }
  return all;
}

const message = (text: string) => new TableResult([[text]], { columnHeaders: ["Message"] });

export default defineApp({
  parametrization: {
    intro: text("# Seequent Evo workspaces"),
    explanation: text("Finds your Evo organisations and hubs, then lists the workspaces in each."),
  },
  views: {
    workspaces: tableView("Workspaces", { durationGuess: 2 }, async () => {
      const evo = new OAuth2Integration("seequent-evo");
      const { discovery } = (await (await evo.fetch(DISCOVERY_URL)).json()) as Discovery;
      const orgs = new Map((discovery?.organizations ?? []).map((o) => [o.id, o]));
      const hubs = new Map((discovery?.hubs ?? []).map((h) => [h.code, h]));
      const access = (discovery?.service_access ?? []).filter(
        (a) => !a.services || a.services.includes("evo"),
      );
      if (access.length === 0) return message("No Evo organisation found for this account");
      const rows: string[][] = [];
      for (const { org_id: orgId, hub_code: hubCode } of access) {
        const hub = hubs.get(hubCode);
        if (!hub) continue;
        const orgName = orgs.get(orgId)?.display_name ?? orgId;
        for (const w of await workspacesOf(evo, hub.url, orgId)) {
          rows.push([
            orgName,
            hub.display_name ?? hub.code,
            w.name ?? "",
            w.current_user_role ?? "",
            w.created_at ?? "",
            w.id,
          ]);
        }
      }
      if (rows.length === 0) return message("No workspaces found");
      return new TableResult(rows, {
        columnHeaders: ["Organisation", "Hub", "Workspace", "Your role", "Created", "ID"],
        enableSortingAndFiltering: true,
      });
    }),
  },
});
