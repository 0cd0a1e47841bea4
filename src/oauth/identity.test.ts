import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  describeIdentity,
  identityFromClaims,
  identityFromJwt,
  mergeIdentities,
  namesSomeone,
  UNKNOWN_IDENTITY,
} from "./identity.ts";

const unsigned = async (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new Uint8Array(32));

describe("identityFromClaims", () => {
  it("reads sub, email and name", () => {
    expect(identityFromClaims({ sub: "u1", email: "alice@example.com", name: "Alice Anders" })).toEqual({
      subject: "u1",
      email: "alice@example.com",
      name: "Alice Anders",
    });
  });

  it("builds the name from given and family names, else a username that is not the email", () => {
    expect(identityFromClaims({ sub: "u1", given_name: "Alice", family_name: "Anders" }).name).toBe(
      "Alice Anders",
    );
    expect(identityFromClaims({ sub: "u1", preferred_username: "alice" }).name).toBe("alice");
    expect(
      identityFromClaims({ sub: "u1", email: "a@example.com", preferred_username: "a@example.com" }).name,
    ).toBeNull();
  });

  it("drops malformed claims instead of trusting them", () => {
    expect(identityFromClaims({ sub: 42, email: "not an email", name: ["x"] })).toEqual(UNKNOWN_IDENTITY);
    expect(identityFromClaims({ sub: "u1", email: "x".repeat(400) + "@example.com" }).email).toBeNull();
    expect(identityFromClaims(null)).toEqual(UNKNOWN_IDENTITY);
    expect(identityFromClaims("alice")).toEqual(UNKNOWN_IDENTITY);
  });
});

describe("identityFromJwt", () => {
  it("reads a JWT's payload and gives up on anything that is not one", async () => {
    expect(identityFromJwt(await unsigned({ sub: "u1", email: "alice@example.com" }))).toMatchObject({
      subject: "u1",
      email: "alice@example.com",
    });
    expect(identityFromJwt("opaque-token")).toEqual(UNKNOWN_IDENTITY);
    expect(identityFromJwt(null)).toEqual(UNKNOWN_IDENTITY);
  });
});

describe("mergeIdentities and describeIdentity", () => {
  it("takes each field from the first source that has it", () => {
    const idToken = { subject: "u1", email: null, name: null };
    const userinfo = { subject: "u1", email: "alice@example.com", name: "Alice Anders" };
    expect(mergeIdentities(idToken, userinfo)).toEqual(userinfo);
    expect(namesSomeone(idToken)).toBe(false);
    expect(namesSomeone(userinfo)).toBe(true);
  });

  it("says who it is in one phrase", () => {
    expect(describeIdentity({ subject: "u1", email: "alice@example.com", name: "Alice Anders" })).toBe(
      "alice@example.com (Alice Anders)",
    );
    expect(describeIdentity({ subject: "u1", email: null, name: "Alice Anders" })).toBe("Alice Anders");
    expect(describeIdentity({ subject: "u1", email: null, name: null })).toBe("user u1");
    expect(describeIdentity(UNKNOWN_IDENTITY)).toBeNull();
  });
});
