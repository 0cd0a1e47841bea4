import {
  DataGroup,
  DataItem,
  DataResult,
  DataStatus,
  OAuth2Integration,
  ProviderHttpError,
  dataView,
  defineApp,
  text,
} from "gatehouse/sdk";

const ITWINS_URL = "https://api.bentley.com/itwins/?$top=50";
const imodelsUrl = (iTwinId: string) =>
  `https://api.bentley.com/imodels/?iTwinId=${encodeURIComponent(iTwinId)}&$top=100`;

/** A DataGroup holds at most 100 items: longer lists end with a "… more" item. */
const MAX_ITEMS = 100;
const MAX_PAGES = 100;

interface ITwin {
  id: string;
  displayName?: string;
  number?: string;
  status?: string;
}
interface IModel {
  id: string;
  displayName?: string;
  name?: string;
  state?: string;
  createdDateTime?: string;
}
interface Page {
  _links?: { next?: { href?: string } | null };
}

/** Every item of a Bentley list, following `_links.next` until there is none. */
async function listAll<T>(
  integration: OAuth2Integration,
  firstUrl: string,
  key: string,
  accept: string,
): Promise<T[]> {
  const items: T[] = [];
  let url: string | undefined = firstUrl;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const response = await integration.fetch(url, {
      headers: { Accept: accept, Prefer: "return=representation" },
    });
    const body = (await response.json()) as Page & Record<string, unknown>;
    items.push(...((body[key] as T[] | undefined) ?? []));
    url = body._links?.next?.href ?? undefined;
  }
  return items;
}

/** The first items that fit in one DataGroup; the last slot says how many were left out. */
function fitting<T>(all: T[]): T[] {
  return all.length <= MAX_ITEMS ? all : all.slice(0, MAX_ITEMS - 1);
}
function group(items: DataItem[], total: number, noun: string): DataGroup {
  if (total <= items.length) return new DataGroup(...items);
  return new DataGroup(...items, new DataItem(`… ${total - items.length} more ${noun}`, null));
}

async function iModelsItem(integration: OAuth2Integration, iTwinId: string): Promise<DataItem> {
  let iModels: IModel[];
  try {
    iModels = await listAll<IModel>(
      integration,
      imodelsUrl(iTwinId),
      "iModels",
      "application/vnd.bentley.itwin-platform.v2+json",
    );
  } catch (err) {
    // A role without imodels_read: the rest of the tree is still worth showing.
    if (err instanceof ProviderHttpError && err.providerStatus === 403) {
      return new DataItem("iModels", "Not permitted", {
        status: DataStatus.ERROR,
        statusMessage: err.explanation,
      });
    }
    throw err;
  }
  const items = fitting(iModels).map(
    (m) =>
      new DataItem(m.displayName ?? m.name ?? "Unnamed iModel", m.id, {
        explanationLabel: `State: ${m.state ?? ""} | Created: ${m.createdDateTime ?? ""}`,
      }),
  );
  return new DataItem("iModels", iModels.length, {
    subgroup:
      items.length > 0
        ? group(items, iModels.length, "iModels")
        : new DataGroup(new DataItem("iModels", "No iModels found")),
  });
}

/** `Promise.all` over `items`, at most `limit` at a time (polite to the API's rate limits), in order. */
async function mapLimited<T, R>(items: T[], fn: (item: T) => Promise<R>, limit = 6): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export default defineApp({
  parametrization: {
    intro: text("# Bentley iTwin browser"),
    explanation: text("This view fetches all accessible iTwins and their iModels in one result tree."),
  },
  views: {
    bentleyData: dataView("Bentley data", { durationGuess: 2 }, async () => {
      const integration = new OAuth2Integration("bentley-itwin");
      const iTwins = await listAll<ITwin>(
        integration,
        ITWINS_URL,
        "iTwins",
        "application/vnd.bentley.itwin-platform.v1+json",
      );
      if (iTwins.length === 0) {
        return new DataResult(new DataGroup(new DataItem("Result", "No iTwins found")));
      }
      const items = await mapLimited(
        fitting(iTwins),
        async (iTwin) =>
          new DataItem(iTwin.displayName ?? "Unnamed iTwin", iTwin.id, {
            subgroup: new DataGroup(
              new DataItem("Status", iTwin.status ?? ""),
              new DataItem("Number", iTwin.number ?? ""),
              await iModelsItem(integration, iTwin.id),
            ),
          }),
      );
      return new DataResult(group(items, iTwins.length, "iTwins"));
    }),
  },
});
