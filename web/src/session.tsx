import { createContext, useContext } from "react";

export interface Me {
  id: string | number;
  email: string;
  role: "admin" | "developer" | "user";
}

export interface Session {
  me: Me | null;
  /** Re-reads GET /api/me, e.g. after signing in or out. */
  reload: () => Promise<void>;
}

export const SessionContext = createContext<Session>({ me: null, reload: async () => {} });
export const useSession = () => useContext(SessionContext);
