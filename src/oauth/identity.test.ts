import { describe, expect, it } from "vitest";
import {
  describeIdentity,
  identityFromClaims,
  identityFromTokens,
  jwtClaims,
  mergeIdentities,
  namesSomeone,
} from "./identity.ts";

const jwt = (claims: unknown) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("identityFromClaims", () => {
  it("reads sub, email and name, or builds the name from given and family names", () => {
    expect(identityFromClaims({ sub: "u1", email: "a@example.com", name: "Alice Example" })).toEqual({
      subject: "u1",
      email: "a@example.com",
      name: "Alice Example",
    });
    expect(identityFromClaims({ sub: "u1", given_name: "Alice", family_name: "Example" })?.name).toBe(
      "Alice Example",
    );
  });

  it("takes APS's userid when there is no sub, and an email-shaped preferred_username as the email", () => {
    expect(identityFromClaims({ userid: "ABC123", preferred_username: "a@example.com" })).toEqual({
      subject: "ABC123",
      email: "a@example.com",
      name: null,
    });
    expect(identityFromClaims({ sub: "x", preferred_username: "alice" })?.email).toBeNull();
  });

  it("drops what is not fit to show: non-strings, control characters, oversized values", () => {
    expect(identityFromClaims({ sub: 42, email: ["a@example.com"], name: {} })).toBeNull();
    expect(identityFromClaims({ sub: "u1", name: "Evil\u0000\u001b[31mName" })?.name).toBe("Evil [31mName");
    expect(identityFromClaims({ sub: "u1", name: "x".repeat(201) })?.name).toBeNull();
    expect(identityFromClaims({ sub: "u1", email: "not an email" })?.email).toBeNull();
    expect(identityFromClaims(null)).toBeNull();
    expect(identityFromClaims("sub")).toBeNull();
  });
});

describe("identityFromTokens", () => {
  it("prefers the ID token, filling gaps from a JWT access token", () => {
    const identity = identityFromTokens({
      idToken: jwt({ sub: "u1", email: "a@example.com" }),
      accessToken: jwt({ sub: "u1", name: "Alice Example" }),
    });
    expect(identity).toEqual({ subject: "u1", email: "a@example.com", name: "Alice Example" });
  });

  it("says nothing for opaque tokens and garbage", () => {
    expect(identityFromTokens({ idToken: null, accessToken: "opaque-token-value" })).toBeNull();
    expect(jwtClaims("a.@@@.c")).toBeNull();
    expect(jwtClaims("a.b")).toBeNull();
    expect(jwtClaims(null)).toBeNull();
  });
});

describe("mergeIdentities, namesSomeone and describeIdentity", () => {
  it("takes each field from the first source that has it", () => {
    const idToken = { subject: "u1", email: null, name: null };
    const userinfo = { subject: "u1", email: "alice@example.com", name: "Alice Anders" };
    expect(mergeIdentities(idToken, userinfo)).toEqual(userinfo);
    expect(mergeIdentities(null, null)).toBeNull();
    expect(namesSomeone(idToken)).toBe(false);
    expect(namesSomeone(null)).toBe(false);
    expect(namesSomeone(userinfo)).toBe(true);
  });

  it("says who it is in one phrase", () => {
    expect(describeIdentity({ subject: "u1", email: "alice@example.com", name: "Alice Anders" })).toBe(
      "alice@example.com (Alice Anders)",
    );
    expect(describeIdentity({ subject: "u1", email: null, name: "Alice Anders" })).toBe("Alice Anders");
    expect(describeIdentity({ subject: "u1", email: null, name: null })).toBe("user u1");
    expect(describeIdentity(null)).toBeNull();
  });
});
