/** The Autodesk emulator: APS Authentication v2 plus Data Management hubs and projects. */
import type { EmulatorDefinition } from "../shared/emulatorServer.ts";
import { AUTODESK_CONTENT_TYPE, faultBody, registerAutodeskApi } from "./api/index.ts";
import { autodeskAuthProfile } from "./authServer.ts";

export const autodeskEmulator: EmulatorDefinition = {
  name: "autodesk",
  displayName: "Autodesk Platform Services",
  auth: autodeskAuthProfile,
  registerApi: (app, ctx) => registerAutodeskApi(app, ctx),
  apiFault: { contentType: AUTODESK_CONTENT_TYPE, body: faultBody },
};
