import { describe, expect, it } from "vitest";
import { appMismatches, hasMismatches, integrationAppLinks, mismatchSentences } from "./diagnostics.ts";

const app = (name: string, integrations: string[]) => ({ name, title: `${name} title`, integrations });
const integration = (name: string, apps: string[]) => ({ name, apps });

describe("appMismatches", () => {
  // The Bentley guide's trap: the admin assigns a new integration, the app's config still names the old one.
  const integrations = [
    integration("bentley-itwin", ["itwin-browser"]),
    integration("viktor-itwin-integration", ["itwin-browser"]),
    integration("everyone", ["*"]),
    integration("elsewhere", ["other-app"]),
  ];

  it("names what is assigned but not listed, listed but not assigned, and listed but unknown", () => {
    const found = appMismatches(
      app("itwin-browser", ["bentley-itwin", "elsewhere", "typo-itwin"]),
      integrations,
    );
    expect(found).toEqual({
      app: "itwin-browser",
      assignedNotListed: ["viktor-itwin-integration"],
      listedNotAssigned: ["elsewhere"],
      listedUnknown: ["typo-itwin"],
    });
    expect(hasMismatches(found)).toBe(true);
    const sentences = mismatchSentences(found);
    expect(sentences).toHaveLength(3);
    expect(sentences[0]).toContain("viktor-itwin-integration is assigned to itwin-browser");
    expect(sentences[0]).toContain("gatehouse.config.toml does not list it");
    expect(sentences[1]).toContain("not assigned to itwin-browser");
    expect(sentences[2]).toContain("no integration of that name exists");
  });

  it("counts an assignment to every app as assigned, but not as a request to list it", () => {
    const found = appMismatches(app("any-app", ["everyone"]), integrations);
    expect(hasMismatches(found)).toBe(false);
    expect(hasMismatches(appMismatches(app("any-app", []), integrations))).toBe(false);
  });
});

describe("integrationAppLinks", () => {
  const apps = [
    app("itwin-browser", ["bentley-itwin"]),
    app("guide-app", ["viktor-itwin-integration"]),
    app("wants-it", ["viktor-itwin-integration"]),
  ];

  it("lists each assigned app with whether its config lists the integration, and unassigned apps that list it", () => {
    const links = integrationAppLinks(
      integration("viktor-itwin-integration", ["guide-app", "itwin-browser", "gone-app"]),
      apps,
    );
    expect(links.map((l) => [l.app, l.assigned, l.listed, l.loaded])).toEqual([
      ["gone-app", "name", false, false],
      ["guide-app", "name", true, true],
      ["itwin-browser", "name", false, true],
      ["wants-it", null, true, true],
    ]);
    expect(links[0]!.problem).toContain("No app named gone-app is loaded");
    expect(links[1]!.problem).toBeNull();
    expect(links[2]!.problem).toContain("does not list viktor-itwin-integration");
    expect(links[3]!.problem).toContain("not assigned to wants-it");
  });

  it("shows the apps that list an integration assigned to every app, without a problem", () => {
    const links = integrationAppLinks(integration("viktor-itwin-integration", ["*"]), apps);
    expect(links.map((l) => [l.app, l.assigned, l.problem])).toEqual([
      ["guide-app", "all", null],
      ["wants-it", "all", null],
    ]);
  });
});
