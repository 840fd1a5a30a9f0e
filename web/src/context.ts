import { createContext, useContext } from 'react';
import type { EngagementSummary, Me } from './api';

export interface Session {
  me: Me;
  engagements: EngagementSummary[];
  /** More than one engagement: the partner view (labels and an engagement filter). */
  multi: boolean;
  engagementName: (id: string) => string;
  announce: (text: string) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}
