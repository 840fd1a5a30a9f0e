/**
 * The engagements this server hosts right now (an MSP may host many), and the
 * index ingest needs on its hot path: integration key -> engagement, service.
 * Replaced as a whole on reload, so readers always see one consistent set.
 */
import type { Engagement, Integration, IntegrationType, LoadedEngagement, Logsource, Service, Ticketing } from '../engagement/model.js';
import type { RuleSet } from '../sigma/model.js';
import { lookup } from '../engagement/model.js';

export interface IntegrationRef {
  readonly key: string;
  readonly type: IntegrationType;
  readonly engagement: Engagement;
  readonly service: Service;
  /** security: the log source its events are tagged with. */
  readonly logsource?: Logsource;
  /** security: the engagement's compiled Sigma rules (none without `security.rules`). */
  readonly rules?: RuleSet;
  /** cloudwatch: the hosts SNS certificates and subscribe URLs may come from (absent: the AWS pattern). */
  readonly snsCertHosts?: readonly string[];
}

/** A syslog sender range (security.syslog) and the security integration its lines go to. */
export interface SyslogRoute {
  readonly from: string;
  readonly logsource: Logsource;
  readonly integration: IntegrationRef;
}

/** Whose inbound key it is: a ticketing entry of an engagement. */
export interface TicketingInboundRef {
  readonly engagement: Engagement;
  readonly entry: Ticketing;
}

export class Deployment {
  #engagements = new Map<string, LoadedEngagement>();
  #keys = new Map<string, IntegrationRef>();
  #inbound = new Map<string, TicketingInboundRef>();
  #syslog: readonly SyslogRoute[] = [];

  constructor(loaded: readonly LoadedEngagement[] = []) {
    this.replace(loaded);
  }

  /** Swaps in a new set of engagements. */
  replace(loaded: readonly LoadedEngagement[]): void {
    const engagements = new Map<string, LoadedEngagement>();
    const keys = new Map<string, IntegrationRef>();
    const inbound = new Map<string, TicketingInboundRef>();
    const syslog: SyslogRoute[] = [];
    for (const l of loaded) {
      engagements.set(l.engagement.id, l);
      for (const entry of l.engagement.ticketing) inbound.set(entry.inboundKey, { engagement: l.engagement, entry });
      for (const service of l.engagement.services) {
        for (const i of service.integrations) keys.set(i.key, integrationRef(l, service, i));
      }
      for (const source of l.engagement.security.syslog) {
        const service = l.engagement.services.find((s) => s.id === source.service);
        const integration = service?.integrations.find((i) => i.type === 'security');
        if (service && integration)
          syslog.push({ from: source.from, logsource: source.logsource, integration: integrationRef(l, service, integration) });
      }
    }
    this.#engagements = engagements;
    this.#keys = keys;
    this.#inbound = inbound;
    this.#syslog = syslog;
  }

  /** Every syslog sender range of every engagement, in file order. */
  syslogRoutes(): readonly SyslogRoute[] {
    return this.#syslog;
  }

  /** The ticketing entry whose webhooks come to POST /integrations/ticketing/{key}. */
  ticketingInbound(key: string): TicketingInboundRef | undefined {
    return this.#inbound.get(key);
  }

  integration(key: string): IntegrationRef | undefined {
    return this.#keys.get(key);
  }

  engagement(id: string): Engagement | undefined {
    return this.#engagements.get(id)?.engagement;
  }

  all(): Engagement[] {
    return [...this.#engagements.values()].map((l) => l.engagement);
  }

  service(engagementId: string, serviceId: string): Service | undefined {
    const engagement = this.engagement(engagementId);
    return engagement && lookup(engagement).service(serviceId);
  }
}

function integrationRef(l: LoadedEngagement, service: Service, i: Integration): IntegrationRef {
  return {
    key: i.key,
    type: i.type,
    engagement: l.engagement,
    service,
    ...(i.logsource ? { logsource: i.logsource } : {}),
    ...(i.type === 'security' && l.rules ? { rules: l.rules } : {}),
    ...(i.snsCertHosts ? { snsCertHosts: i.snsCertHosts } : {}),
  };
}

/** "acme" -> "ACME": the prefix of incident numbers (ACME-42). */
export function incidentPrefix(engagementId: string): string {
  return engagementId.toUpperCase();
}
