/**
 * Building the engine: the three loops (events -> escalation and SLA
 * clocks -> delivery) and the channels they page through.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/connect.js';
import type { Deployment } from '../deployment/deployment.js';
import { Engine } from '../engine/engine.js';
import type { EngineContext } from '../engine/engine.js';
import { emptyHooks } from '../incident/hooks.js';
import type { IncidentHooks } from '../incident/hooks.js';
import { processEventsModule } from '../events/apply.js';
import { routeOnOpen } from '../escalation/escalation.js';
import { escalationModule } from '../escalation/module.js';
import { inboxChannels } from '../inbox/inbox.js';
import type { ChannelRegistry } from '../notify/channel.js';
import { DEFAULT_TIMEOUT_MS } from '../notify/http-delivery.js';
import { checkNotifySettings, createChannels } from '../notify/settings.js';
import { deliveryModule } from '../paging/deliver.js';
import type { DeliveryOutcome } from '../paging/deliver.js';
import type { LinkSigner } from '../respond/links.js';
import { serverSecret } from '../secrets/secrets.js';
import type { Settings } from '../settings/settings.js';
import { slaModule } from '../sla/engine.js';
import { slaOnChange, slaOnOpen, slaOnRelease } from '../sla/incident-hooks.js';
import { maintenanceGate, maintenanceModule } from '../maintenance/hold.js';
import { ticketingOnChange, ticketingOnOpen } from '../ticketing/hooks.js';
import { ticketingModule } from '../ticketing/module.js';
import { ticketInboundModule } from '../ticketing/inbound/apply.js';
import { vulnOverdueModule } from '../vulns/overdue.js';
import { heartbeatModule } from '../heartbeat/module.js';
import { smtpSender } from '../subscribers/mail.js';
import { subscriberMailModule } from '../subscribers/module.js';

/** The channels pages go out through: the providers, or the demo inbox. */
export async function buildChannels(settings: Settings, database: Database, clock: Clock): Promise<ChannelRegistry> {
  if (settings.notify === 'inbox') return inboxChannels(database, clock);
  return createChannels(
    checkNotifySettings({
      ...(settings.smtpUrl ? { smtpUrl: settings.smtpUrl } : {}),
      emailFrom: settings.emailFrom,
      ...(settings.twilio
        ? {
            twilio: {
              accountSid: settings.twilio.accountSid,
              authToken: settings.twilio.authToken,
              from: settings.twilio.from,
              ...(settings.twilio.baseUrl ? { baseUrl: settings.twilio.baseUrl } : {}),
              ...(settings.twilio.voiceFrom ? { voiceFrom: settings.twilio.voiceFrom } : {}),
            },
          }
        : {}),
      ...(settings.slackBaseUrl ? { slackBaseUrl: settings.slackBaseUrl } : {}),
      slackInteractive: settings.slackSigningSecret !== undefined,
      ...(settings.teamsBaseUrl ? { teamsBaseUrl: settings.teamsBaseUrl } : {}),
      ...(settings.webhookBaseUrl ? { webhookBaseUrl: settings.webhookBaseUrl } : {}),
      webhookSecret: await serverSecret(database, 'webhook-signing-secret', settings.webhookSecret, clock.now()),
    }),
    clock,
  );
}

export interface EngineDeps {
  readonly settings: Settings;
  readonly database: Database;
  readonly clock: Clock;
  readonly deployment: Deployment;
  readonly log: Logger;
  readonly links: LinkSigner;
  readonly channels: ChannelRegistry;
  readonly onIncidentsOpened: (engagement: string, count: number) => void;
  readonly onSlaBreach: (engagement: string, sla: string, kind: string) => void;
  /** A send's result was recorded (pages sent and failed, delivery latency). */
  readonly onDelivery?: (outcome: DeliveryOutcome) => void;
  /** An escalation step fired, `lateMs` after it was due. */
  readonly onStepFired?: (kind: string, lateMs: number) => void;
  /** An accepted event could not be applied and was set aside. */
  readonly onEventQuarantined?: (event: { id: number; engagementId: string; error: string }) => void;
  /** Something changed that dashboards show (a pass did work). */
  readonly onChanged: () => void;
  /** A secret named by a ticketing entry (its env variable), read where the server reads its environment. */
  readonly ticketingSecret?: (name: string) => string | undefined;
  /** The link key: status page subscriber mails carry links signed with it (src/subscribers/). */
  readonly subscriberKey?: string;
}

/** Whether status page subscribers can be mailed: live notifications through an SMTP server. */
export function subscriberMailEnabled(settings: Settings): boolean {
  return settings.notify === 'live' && settings.smtpUrl !== undefined && settings.smtpUrl !== '';
}

export interface Engines {
  /** Applies accepted events to alerts and incidents (and routes new incidents). */
  readonly engine: Engine;
  /** Fires due escalation steps and SLA clocks. */
  readonly escalation: Engine;
  /** Sends the outbox (its own loop, so a slow provider never delays an escalation). */
  readonly delivery: Engine;
  /** What runs when incidents open or change; commands from the API and respond links run `changed` too. */
  readonly hooks: IncidentHooks;
}

export function createEngines(d: EngineDeps): Engines {
  const hooks = emptyHooks();
  // In maintenance (a window, a silence) routing and SLA clocks wait for its end (src/maintenance/hold.ts).
  hooks.opened.push(maintenanceGate([routeOnOpen, slaOnOpen]), ticketingOnOpen);
  hooks.changed.push(slaOnChange, ticketingOnChange(d.deployment));
  const ctx: EngineContext = {
    database: d.database,
    clock: d.clock,
    deployment: d.deployment,
    log: d.log.child({ component: 'engine' }),
    instanceId: randomBytes(4).toString('hex'),
  };
  const poll = { pollMs: d.settings.enginePollMs };
  const delivery = new Engine(
    ctx,
    [
      deliveryModule({
        hooks,
        channels: d.channels,
        links: d.links,
        publicUrl: d.settings.publicUrl,
        perContactPerMinute: d.settings.perContactPerMinute,
        sendTimeoutMs: DEFAULT_TIMEOUT_MS,
        ...(d.onDelivery ? { onResult: d.onDelivery } : {}),
      }),
      // Tickets go out on the delivery loop too: both are calls to the outside world that must never delay an escalation.
      ticketingModule({
        secret: d.ticketingSecret ?? (() => undefined),
        publicUrl: d.settings.publicUrl,
        timeoutMs: d.settings.ticketingTimeoutMs,
      }),
      // What the systems report back, applied to incidents (and passed on to the engagement's other systems).
      ticketInboundModule({
        hooks,
        secret: d.ticketingSecret ?? (() => undefined),
        timeoutMs: d.settings.ticketingTimeoutMs,
      }),
      // Status page subscribers' mails: the same SMTP server as the pages, only when there is one.
      ...(subscriberMailEnabled(d.settings) && d.subscriberKey !== undefined
        ? [
            subscriberMailModule({
              sender: smtpSender({
                smtpUrl: d.settings.smtpUrl ?? '',
                from: d.settings.emailFrom,
                timeoutMs: DEFAULT_TIMEOUT_MS,
                now: () => d.clock.now(),
              }),
              key: d.subscriberKey,
              publicUrl: d.settings.publicUrl,
            }),
          ]
        : []),
    ],
    poll,
  );
  // Three loops, so that a large batch of events never delays a due escalation, and a slow
  // provider never delays either.
  const escalation = new Engine(
    ctx,
    [
      // Incidents whose maintenance ended start routing first, so their first tier fires in the same pass.
      maintenanceModule({ hooks, onRelease: [routeOnOpen, slaOnRelease] }),
      escalationModule({ hooks, ...(d.onStepFired ? { onFired: d.onStepFired } : {}) }),
      slaModule(hooks, d.onSlaBreach),
    ],
    {
      ...poll,
      afterRound: () => {
        delivery.kick();
        d.onChanged();
      },
    },
  );
  const engine = new Engine(
    ctx,
    [
      // Overdue vulnerability findings write their trigger first, so the incident opens in the same pass.
      vulnOverdueModule(),
      // So do heartbeats whose deadline passed with no beat (src/heartbeat/module.ts).
      heartbeatModule(),
      processEventsModule({
        hooks,
        workers: d.settings.applyWorkers,
        // A step applies batches for up to a second on PostgreSQL, so waking escalation only after it (afterRound) would
        // leave a batch's new incidents, or those a priority change re-routed, waiting up to that second. A kick that
        // finds the loop running costs it one more pass, at most one a batch of up to 500 events.
        onBatch: () => {
          escalation.kick();
          d.onChanged();
        },
        onOpened: (n, engagement) => d.onIncidentsOpened(engagement, n),
        ...(d.onEventQuarantined ? { onQuarantined: d.onEventQuarantined } : {}),
      }),
    ],
    {
      ...poll,
      // After each round: in a storm a pass is one round per full batch for as long as the storm lasts.
      afterRound: () => {
        escalation.kick();
        d.onChanged();
      },
    },
  );
  return { engine, escalation, delivery, hooks };
}
