/**
 * A client for a ticketing entry, by its system, with its secrets read from
 * the environment variables the entry names (or why there is none).
 */
import type { Ticketing } from '../engagement/model.js';
import type { ClientOptions, TicketClient } from './client.js';
import { ConnectWiseClient } from './connectwise.js';
import { JiraClient } from './jira.js';
import { ServiceNowClient } from './servicenow.js';

/** The secret an entry names, or the reason it cannot be used. */
function secretOf(o: ClientOptions, name: string): string | { missing: string } {
  const value = o.secret(name);
  return value === undefined || value === '' ? { missing: `environment variable ${name} is not set` } : value;
}

/** The client of an entry; a string says why there is none (a secret is not set, or the system is not synced yet). */
export function clientFor(entry: Ticketing, o: ClientOptions): TicketClient | string {
  switch (entry.system) {
    case 'jira': {
      const token = secretOf(o, entry.auth.tokenEnv);
      return typeof token === 'string' ? new JiraClient(entry, token, o) : token.missing;
    }
    case 'servicenow': {
      const password = secretOf(o, entry.auth.passwordEnv);
      return typeof password === 'string' ? new ServiceNowClient(entry, password, o) : password.missing;
    }
    case 'connectwise': {
      const publicKey = secretOf(o, entry.auth.publicKeyEnv);
      if (typeof publicKey !== 'string') return publicKey.missing;
      const privateKey = secretOf(o, entry.auth.privateKeyEnv);
      return typeof privateKey === 'string' ? new ConnectWiseClient(entry, { publicKey, privateKey }, o) : privateKey.missing;
    }
  }
}
