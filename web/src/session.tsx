import { createContext, useContext } from "react";

export interface Me {
  id: string | number;
  email: string;
  role: "admin" | "developer" | "user";
  /** How this session signed in: an identity provider's session signs out there too. */
  signedInWith?: "password" | "oidc" | "token";
  /** The identity provider that sets the role at each sign-in, or null. */
  roleManagedBy?: string | null;
}

export interface Session {
  me: Me | null;
  /** Re-reads GET /api/me, e.g. after signing in or out. */
  reload: () => Promise<void>;
}

export const SessionContext = createContext<Session>({ me: null, reload: async () => {} });
export const useSession = () => useContext(SessionContext);
