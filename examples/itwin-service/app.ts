import { OAuth2Integration, TableResult, defineApp, tableView, text } from "gatehouse/sdk";

const ITWINS_URL = "https://api.bentley.com/itwins/?$top=50";
const MAX_PAGES = 50;

interface ITwin {
  id: string;
  displayName?: string;
  number?: string;
  status?: string;
  subClass?: string;
}
interface Page {
  iTwins?: ITwin[];
  _links?: { next?: { href?: string } | null };
}

export default defineApp({
  parametrization: {
    intro: text("# iTwins visible to the service identity"),
    explanation: text(
      "A service (client credentials) integration acts as itself, not as you: it sees the iTwins its identity has a role on.",
    ),
  },
  views: {
    serviceITwins: tableView("Service iTwins", { durationGuess: 1 }, async () => {
      const service = new OAuth2Integration("bentley-itwin-service");
      const iTwins: ITwin[] = [];
      let url: string | undefined = ITWINS_URL;
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const response = await service.fetch(url, {
          headers: {
            Accept: "application/vnd.bentley.itwin-platform.v1+json",
            Prefer: "return=representation",
          },
        });
        const body = (await response.json()) as Page;
        iTwins.push(...(body.iTwins ?? []));
        url = body._links?.next?.href ?? undefined;
      }
      if (iTwins.length === 0) {
        return new TableResult([["No iTwins found: the service identity has no role on any iTwin"]], {
          columnHeaders: ["Message"],
        });
      }
      return new TableResult(
        iTwins.map((t) => [t.displayName ?? "", t.number ?? "", t.status ?? "", t.subClass ?? "", t.id]),
        { columnHeaders: ["iTwin", "Number", "Status", "Class", "ID"], enableSortingAndFiltering: true },
      );
    }),
  },
});
