import { createHash } from "node:crypto";
import { emulatorUsers } from "./users.ts";

/**
 * A UUID derived from a name (SHA-1, shaped like RFC 9562 version 5), so that seeded ids are the same on
 * every start: bookmarks, example apps and tests can name an iTwin or a workspace by its id.
 */
export function stableUuid(name: string): string {
  const bytes = createHash("sha1").update(`gatehouse-emulator:${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An ISO 8601 instant `days` days (and `hours` hours) after the seed epoch, for deterministic timestamps. */
export function seedDate(days: number, hours = 0): string {
  const epoch = Date.UTC(2024, 0, 15, 9, 0, 0);
  return new Date(epoch + days * 86_400_000 + hours * 3_600_000).toISOString();
}

/** The client-credentials identity every emulator knows (its tokens carry subject = client id). */
export const SERVICE_SUBJECT = "sandbox-service";

function userId(email: string): string {
  const user = emulatorUsers.find((u) => u.email === email);
  if (!user) throw new Error(`seed refers to unknown user ${email}`);
  return user.id;
}

export const ALICE_ID = userId("alice@example.com");
export const BOB_ID = userId("bob@example.com");
export const CAROL_ID = userId("carol@example.com");
