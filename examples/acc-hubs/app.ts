import {
  OAuth2Integration,
  TableResult,
  defineApp,
  explainApsHubsWarning,
  tableView,
  text,
} from "gatehouse/sdk";

const HUBS_URL = "https://developer.api.autodesk.com/project/v1/hubs";
const MAX_PAGES = 50;

interface Resource {
  id: string;
  attributes?: { name?: string; region?: string };
}
interface JsonApiPage {
  data?: Resource[];
  links?: { next?: { href?: string } | null };
}

/** Every project of a hub, following the JSON:API `links.next`. */
async function projectsOf(aps: OAuth2Integration, hubId: string): Promise<Resource[]> {
  const projects: Resource[] = [];
  let url: string | undefined =
    `https://developer.api.autodesk.com/project/v1/hubs/${encodeURIComponent(hubId)}/projects?page[limit]=100`;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const body = (await (await aps.fetch(url)).json()) as JsonApiPage;
    projects.push(...(body.data ?? []));
    url = body.links?.next?.href ?? undefined;
  }
  return projects;
}

const message = (text: string) => new TableResult([[text]], { columnHeaders: ["Message"] });

export default defineApp({
  parametrization: {
    intro: text("# APS OAuth2 integration"),
    explanation: text("Lists the Autodesk hubs you can reach, with their projects."),
  },
  views: {
    hubs: tableView("Get ACC hubs", { durationGuess: 2 }, async () => {
      const aps = new OAuth2Integration("autodesk-aps");
      const answer = (await (await aps.fetch(HUBS_URL)).json()) as JsonApiPage;
      const hubs = answer.data ?? [];
      if (hubs.length === 0) {
        // No hubs plus a BIM360DM_ERROR warning: the ACC account has not added this app.
        return message(explainApsHubsWarning(answer) ?? "No hubs found");
      }
      const rows: string[][] = [];
      for (const hub of hubs) {
        const hubName = hub.attributes?.name ?? "";
        const region = hub.attributes?.region ?? "";
        const projects = await projectsOf(aps, hub.id);
        if (projects.length === 0) rows.push([hubName, hub.id, region, "No projects found", ""]);
        for (const project of projects) {
          rows.push([hubName, hub.id, region, project.attributes?.name ?? "", project.id]);
        }
      }
      return new TableResult(rows, {
        columnHeaders: ["Hub name", "Hub ID", "Region", "Project", "Project ID"],
        enableSortingAndFiltering: true,
      });
    }),
  },
});
