/**
 * `gatehouse keys rotate`: a new encryption key goes first in the ring (so it encrypts from now on), then
 * every stored secret and token still under an older key is re-encrypted with it, in batches (one
 * transaction each, compare-and-set per row, see src/vault/rotation.ts), so hubs may keep serving.
 * - Keys from `<data dir>/keys.json`: the file is rewritten atomically with the new key first.
 * - Keys from GATEHOUSE_ENCRYPTION_KEYS: the new value is printed on stdout; set it for every hub.
 * Afterwards no row is under the old keys, so they can be dropped from the configuration; on SQLite the
 * WAL is checkpointed and the file vacuumed so no old ciphertext stays in the files (`keys scrub` finishes
 * that when a running hub held the database). The rotation is recorded in the audit trail.
 */
import { GatehouseError } from "../errors.ts";
import { KEYS_FILE_CHECK_MS, loadKeyRing, saveKeysFile, type KeyRing } from "../vault/keyRing.ts";
import { AuditLog } from "../hub/identity/auditLog.ts";
import type { Store } from "../db/index.ts";
import { countRowsByKey, reencryptAll, type ReencryptResult } from "../vault/rotation.ts";
import { scrubOldValues, type ScrubResult } from "../vault/scrub.ts";
import { cliActor } from "./cliActor.ts";
import { CliError, usageError } from "./cliError.ts";
import { hubConfig, openHubDatabase } from "./hubConfig.ts";

export interface RotateFlags {
  batchSize?: string;
  json?: boolean;
}

export interface KeysIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** Rows changed by a refresher during a run are left for the next one; a few runs settle it. */
const MAX_RUNS = 5;

function parseBatchSize(value: string | undefined): number {
  if (value === undefined) return 500;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw usageError(`--batch-size must be a whole number from 1 to 100000 (got "${value}")`);
  }
  return n;
}

export async function rotateKeys(flags: RotateFlags, io: KeysIo): Promise<number> {
  const batchSize = parseBatchSize(flags.batchSize);
  const config = hubConfig(io.env);
  let ring: KeyRing;
  try {
    ring = loadKeyRing({ env: config.encryptionKeys ?? undefined, dataDir: config.dataDir });
  } catch (err) {
    if (err instanceof GatehouseError) throw new CliError(err.message, 1, err.code);
    throw err;
  }
  const oldKeyIds = ring.keyIds;
  const store = await openHubDatabase(config);
  try {
    const added = ring.withAddedKey();
    if (ring.source === "file") {
      const file = saveKeysFile(config.dataDir, added.keysFileContent);
      io.err.write(`Added key ${added.keyId} to ${file}; it encrypts from now on.\n`);
      // Running hubs on this data dir re-read keys.json within KEYS_FILE_CHECK_MS; wait that out so none of
      // them writes under the old key behind the re-encryption below.
      await new Promise((resolve) => setTimeout(resolve, 2 * KEYS_FILE_CHECK_MS));
    } else {
      // The new key exists only in this output until the operator stores it: print it before using it.
      if (!flags.json) io.out.write(`GATEHOUSE_ENCRYPTION_KEYS=${added.env}\n`);
      io.err.write(
        `Added key ${added.keyId}. Set GATEHOUSE_ENCRYPTION_KEYS to the value printed above for every hub (the old keys stay in it until you drop them).\n`,
      );
    }

    let result: ReencryptResult | null = null;
    let total = 0;
    for (let run = 1; run <= MAX_RUNS; run += 1) {
      result = await reencryptAll(store, added.keyRing, {
        batchSize,
        onProgress: (p) =>
          io.err.write(
            `  ${p.table}: ${p.reencrypted} re-encrypted${p.skipped ? `, ${p.skipped} changed meanwhile` : ""}${p.failed ? `, ${p.failed} failed` : ""}\n`,
          ),
      });
      total += result.reencrypted;
      if (result.skipped === 0) break;
      io.err.write(`${result.skipped} rows changed while being re-encrypted; running again.\n`);
    }
    const counts = await countRowsByKey(store);
    const droppable = oldKeyIds.filter((id) => !counts[id]);
    const summary = {
      keyId: added.keyId,
      source: ring.source,
      reencrypted: total,
      skipped: result?.skipped ?? 0,
      failed: result?.failed ?? 0,
      rowsByKey: counts,
      droppableKeyIds: droppable,
      ...(ring.source === "env" ? { env: added.env } : {}),
    };
    const scrub = await scrubOldValues(store);
    await new AuditLog(store.db).record({
      action: "keys.rotated",
      actor: cliActor(),
      target: { type: "keys", id: added.keyId, name: null },
      details: {
        source: ring.source,
        reencrypted: total,
        failed: summary.failed,
        droppableKeyIds: droppable,
        scrubbed: scrub.scrubbed,
      },
    });
    if (flags.json) io.out.write(`${JSON.stringify({ ...summary, scrub })}\n`);
    io.err.write(
      `Re-encrypted ${total} values with key ${added.keyId}.${droppable.length ? ` No row uses ${droppable.join(", ")} any more: ${droppable.length === 1 ? "it" : "they"} can be dropped.` : ""}\n`,
    );
    writeScrubOutcome(scrub, io);
    if (summary.failed > 0) {
      throw new CliError(
        `${summary.failed} stored values could not be decrypted with the configured keys and were left as they are (see rowsByKey with --json)`,
        1,
        "reencrypt_failed",
      );
    }
    if (summary.skipped > 0) {
      throw new CliError(
        `${summary.skipped} values kept changing during ${MAX_RUNS} runs; run gatehouse keys rotate again later`,
        1,
        "reencrypt_incomplete",
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}

function writeScrubOutcome(scrub: ScrubResult, io: KeysIo): void {
  if (scrub.scrubbed) {
    io.err.write("Checkpointed and vacuumed the SQLite database: no old value remains in its files.\n");
  } else if (scrub.dialect === "sqlite") {
    io.err.write(
      `Could not scrub the SQLite files: ${scrub.reason}. To finish, stop the hubs on this database and run: gatehouse keys scrub\n`,
    );
  } else {
    io.err.write(`Note: ${scrub.reason}.\n`);
  }
}

/**
 * `gatehouse keys scrub`: the end of a rotation when a running hub held the SQLite database (checkpoint,
 * vacuum, checkpoint). Exit 1 when it still cannot.
 */
export async function scrubKeys(flags: { json?: boolean }, io: KeysIo): Promise<number> {
  const config = hubConfig(io.env);
  const store: Store = await openHubDatabase(config);
  try {
    const scrub = await scrubOldValues(store);
    if (flags.json) io.out.write(`${JSON.stringify(scrub)}\n`);
    writeScrubOutcome(scrub, io);
    if (scrub.dialect === "sqlite" && !scrub.scrubbed) {
      throw new CliError(`could not scrub the SQLite files: ${scrub.reason}`, 1, "database_busy");
    }
    return 0;
  } finally {
    await store.close();
  }
}
