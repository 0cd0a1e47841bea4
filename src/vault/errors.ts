import { GatehouseError } from "../errors.ts";
import type { Integration } from "./integrationStore.ts";

/** Why a user has no usable connection (kept in `details.reason` for programs). */
export type LoginReason = "not_connected" | "reconnect_required" | "refresh_rejected" | "no_refresh_token";

/** What the user is told per reason. */
const loginRequiredMessages: Record<LoginReason, (name: string) => string> = {
  not_connected: (name) => `Connect your ${name} account first`,
  reconnect_required: (name) => `Your ${name} connection has expired or was revoked: connect again`,
  refresh_rejected: (name) => `${name} refused to renew your access: connect again`,
  no_refresh_token: (name) => `Your ${name} access has expired and cannot be renewed: connect again`,
};

/** 401 login_required: the user has no usable connection. The HTTP layer adds `loginUrl`. */
export function loginRequired(integration: Pick<Integration, "name">, reason: LoginReason): GatehouseError {
  return new GatehouseError("login_required", loginRequiredMessages[reason](integration.name), {
    integration: integration.name,
    reason,
  });
}

/** 503 provider_unavailable: the provider cannot be reached and no valid token is held. */
export function providerUnavailable(integration: Pick<Integration, "name">, cause: unknown): GatehouseError {
  return new GatehouseError(
    "provider_unavailable",
    `The provider of ${integration.name} cannot be reached and no valid token is held`,
    { integration: integration.name },
    { cause },
  );
}

/** Another process has held a refresh lock past the lease: callers serve what they hold, if anything. */
export function refreshBusy(cause: unknown): GatehouseError {
  return new GatehouseError(
    "refresh_busy",
    "Another process has been refreshing this token too long",
    {},
    { cause },
  );
}
