/**
 * The data the emulators' APIs serve, kept in the data directory: `seed/bentley.json`, `seed/autodesk.json`
 * and `seed/seequent.json`, written from the built-in seed the first time and read back on every start
 * after that (so a developer may edit them; a file that does not fit its schema stops the start with the
 * file and the field named). Without a data directory every start gets a fresh built-in seed.
 */
import { join } from "node:path";
import { z } from "zod";
import { firstIssue } from "../shared/firstIssue.ts";
import { createAutodeskSeed, type AutodeskSeed } from "../shared/seedAutodesk.ts";
import { createBentleySeed, type BentleySeed } from "../shared/seedBentley.ts";
import { createSeequentSeed, type SeequentSeed } from "../shared/seedSeequent.ts";
import { EmulatorStateError, preparePrivateDir, readTextIfExists, writePrivateFile } from "./privateFiles.ts";
import {
  autodeskFromJson,
  autodeskSeedJson,
  autodeskToJson,
  bentleyFromJson,
  bentleySeedJson,
  bentleyToJson,
  seequentFromJson,
  seequentSeedJson,
  seequentToJson,
} from "./seedSchemas.ts";

export interface EmulatorSeeds {
  bentley: BentleySeed;
  autodesk: AutodeskSeed;
  seequent: SeequentSeed;
}

export const SEED_DIR = "seed";
const SEED_FORMAT_VERSION = 1;

interface SeedCodec<T, J extends z.ZodType> {
  schema: J;
  create(): T;
  toJson(seed: T): z.input<J>;
  fromJson(json: z.output<J>): T;
}

function codec<T, J extends z.ZodType>(c: SeedCodec<T, J>): SeedCodec<T, J> {
  return c;
}

const CODECS = {
  bentley: codec({
    schema: bentleySeedJson,
    create: createBentleySeed,
    toJson: bentleyToJson,
    fromJson: bentleyFromJson,
  }),
  autodesk: codec({
    schema: autodeskSeedJson,
    create: createAutodeskSeed,
    toJson: autodeskToJson,
    fromJson: autodeskFromJson,
  }),
  seequent: codec({
    schema: seequentSeedJson,
    create: createSeequentSeed,
    toJson: seequentToJson,
    fromJson: seequentFromJson,
  }),
};

function loadOne<T, J extends z.ZodType>(file: string, c: SeedCodec<T, J>): T {
  const stored = readTextIfExists(file);
  if (stored === null) {
    const seed = c.create();
    writePrivateFile(
      file,
      `${JSON.stringify({ version: SEED_FORMAT_VERSION, ...(c.toJson(seed) as object) }, null, 2)}\n`,
    );
    return seed;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch (error) {
    throw new EmulatorStateError(
      `${file} is not JSON (${(error as Error).message}); fix it or delete it to get the built-in seed back`,
    );
  }
  const envelope = z.looseObject({ version: z.literal(SEED_FORMAT_VERSION) }).safeParse(parsed);
  if (!envelope.success) {
    throw new EmulatorStateError(
      `${file} has no "version": ${SEED_FORMAT_VERSION} (written by another Gatehouse?); delete it to get the built-in seed back`,
    );
  }
  const { version: _version, ...data } = envelope.data;
  const result = c.schema.safeParse(data);
  if (!result.success) {
    throw new EmulatorStateError(
      `${file} does not fit the seed format at ${firstIssue(result.error)}; fix it or delete it to get the built-in seed back`,
    );
  }
  return c.fromJson(result.data);
}

/** The three seeds: from `<dataDir>/seed/` (written there on first use), or built in when `dataDir` is null. */
export function loadSeeds(dataDir: string | null): EmulatorSeeds {
  if (dataDir === null) {
    return { bentley: createBentleySeed(), autodesk: createAutodeskSeed(), seequent: createSeequentSeed() };
  }
  const dir = join(dataDir, SEED_DIR);
  preparePrivateDir(dir);
  return {
    bentley: loadOne(join(dir, "bentley.json"), CODECS.bentley),
    autodesk: loadOne(join(dir, "autodesk.json"), CODECS.autodesk),
    seequent: loadOne(join(dir, "seequent.json"), CODECS.seequent),
  };
}
