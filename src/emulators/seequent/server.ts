/**
 * The Seequent emulator: no authorization server of its own (Evo signs in through Bentley IMS), so its
 * APIs accept the tokens the Bentley emulator issued.
 */
import type { VerifyAccessToken } from "../shared/accessToken.ts";
import type { EmulatorDefinition } from "../shared/emulatorServer.ts";
import { registerSeequentApi, seequentAnswers } from "./api/index.ts";

export function seequentEmulator(bentleyVerifier: VerifyAccessToken): EmulatorDefinition {
  return {
    name: "seequent",
    displayName: "Seequent Evo",
    verifier: bentleyVerifier,
    registerApi: (app, ctx, seeds) => registerSeequentApi(app, ctx, { seed: seeds.seequent }),
    ...seequentAnswers,
  };
}
