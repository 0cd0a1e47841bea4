/** The Bentley emulator: IMS authorization server plus iTwins, iModels and Access Control. */
import type { EmulatorDefinition } from "../shared/emulatorServer.ts";
import { bentleyAnswers, registerBentleyApi } from "./api/index.ts";
import { bentleyAuthProfile } from "./authServer.ts";

export const bentleyEmulator: EmulatorDefinition = {
  name: "bentley",
  displayName: "Bentley iTwin (IMS)",
  auth: bentleyAuthProfile,
  registerApi: (app, ctx, seeds) => registerBentleyApi(app, ctx, { seed: seeds.bentley }),
  ...bentleyAnswers,
};
