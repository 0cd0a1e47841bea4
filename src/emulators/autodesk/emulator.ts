/**
 * The Autodesk emulator: APS Authentication v2 and userinfo, plus Data Management hubs and projects.
 * A path no API serves gets the API gateway's own error body.
 */
import type { EmulatorDefinition } from "../shared/emulatorServer.ts";
import { autodeskFault, registerAutodeskApi } from "./api/index.ts";
import { autodeskAuthProfile } from "./authServer.ts";
import { GATEWAY_CONTENT_TYPE, gatewayNotFound } from "./gatewayErrors.ts";

export const autodeskEmulator: EmulatorDefinition = {
  name: "autodesk",
  displayName: "Autodesk Platform Services",
  auth: autodeskAuthProfile,
  registerApi: (app, ctx, seeds) => registerAutodeskApi(app, ctx, { seed: seeds.autodesk }),
  apiFault: autodeskFault,
  notFound: { contentType: GATEWAY_CONTENT_TYPE, body: gatewayNotFound },
};
