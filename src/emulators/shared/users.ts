/**
 * The people who exist on every emulator. The same three accounts sign in at the Bentley IMS emulator
 * (which also serves Seequent Evo) and at the Autodesk emulator; what each of them can see is in the
 * emulators' seed data, keyed by `id` (the `sub` claim of their access tokens).
 */
export interface EmulatorUser {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  password: string;
}

export const SANDBOX_PASSWORD = "sandbox";

export const emulatorUsers: readonly EmulatorUser[] = [
  // alice: several iTwins with iModels, ACC hubs with projects, Evo workspaces.
  {
    id: "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e01",
    email: "alice@example.com",
    givenName: "Alice",
    familyName: "Anders",
    password: SANDBOX_PASSWORD,
  },
  // bob: nothing anywhere, for the empty states.
  {
    id: "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e02",
    email: "bob@example.com",
    givenName: "Bob",
    familyName: "Berg",
    password: SANDBOX_PASSWORD,
  },
  // carol: iTwins, but her role lacks imodels_read.
  {
    id: "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e03",
    email: "carol@example.com",
    givenName: "Carol",
    familyName: "Castro",
    password: SANDBOX_PASSWORD,
  },
];

export function findUserByEmail(email: string): EmulatorUser | undefined {
  const wanted = email.trim().toLowerCase();
  return emulatorUsers.find((u) => u.email === wanted);
}

export function findUserById(id: string): EmulatorUser | undefined {
  return emulatorUsers.find((u) => u.id === id);
}

/** The organization every sandbox user belongs to (IMS's `organization` scope claims). */
export const SANDBOX_ORG = { id: "sandbox-org", name: "Sandbox Organization" } as const;

/** What the emulators know about a user, as OpenID Connect claims (plus IMS's `org`/`org_name`). */
export function userClaims(user: EmulatorUser): { sub: string } & Record<string, string | boolean> {
  return {
    sub: user.id,
    email: user.email,
    email_verified: true,
    name: `${user.givenName} ${user.familyName}`,
    given_name: user.givenName,
    family_name: user.familyName,
    preferred_username: user.email,
    org: SANDBOX_ORG.id,
    org_name: SANDBOX_ORG.name,
  };
}
