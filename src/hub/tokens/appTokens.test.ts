import { describe, expect, it } from "vitest";
import { tokenAnswer, tokenAnswerJson, tokenResponses } from "./appTokens.ts";

const token = {
  accessToken: 'eyJ.a"quote\\and\u0001control',
  tokenType: "Bearer" as const,
  expiresAt: Date.UTC(2026, 11, 1, 12, 0, 0),
  scopes: ["itwin-platform", "offline_access"],
};

describe("tokenAnswerJson", () => {
  it("is the token answer as JSON, with exactly the fields of the 200 schema, escaped", () => {
    const parsed = JSON.parse(tokenAnswerJson(token)) as Record<string, unknown>;
    expect(parsed).toEqual(tokenAnswer(token));
    expect(parsed.expiresAt).toBe("2026-12-01T12:00:00.000Z");
    expect(Object.keys(parsed)).toEqual(tokenResponses[200].required);
  });

  it("answers a held (frozen) token the same every time", () => {
    const held = Object.freeze({ ...token, scopes: Object.freeze([...token.scopes]) });
    expect(tokenAnswerJson(held)).toBe(tokenAnswerJson(held));
    expect(tokenAnswerJson(held)).toBe(tokenAnswerJson(token));
  });
});
