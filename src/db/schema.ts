/**
 * Row types of every table, as Kysely sees them. Instants are integers: epoch
 * milliseconds on both databases (bigint on PostgreSQL, parsed to number).
 * JSON is stored as text on both, so the two dialects behave the same.
 * Every table but `tokens` and `integration_keys` carries `engagement_id`:
 * the unit of tenancy.
 */
import type { Generated, Selectable } from 'kysely';

type Id = Generated<number>;

export interface EngagementsTable {
  id: string;
  name: string;
  timezone: string;
  /** The normalized engagement (model.ts), JSON. */
  config: string;
  /** sha256 of the file it came from; equal hash = nothing to apply. */
  config_hash: string;
  file: string;
  incident_prefix: string;
  next_incident_number: number;
  created_at: number;
  updated_at: number;
}

export interface ServicesTable {
  engagement_id: string;
  id: string;
  name: string;
  function: string;
  criticality: number;
  /** 1 when the service is no longer in the engagement file; kept for history. */
  archived: number;
  updated_at: number;
}

export interface IntegrationKeysTable {
  /** The secret key monitoring tools send; unique across engagements. */
  key: string;
  engagement_id: string;
  service_id: string;
  type: string;
  archived: number;
}

export interface PeopleTable {
  engagement_id: string;
  id: string;
  name: string;
  side: string;
  timezone: string;
  email: string | null;
  archived: number;
}

/** One accepted ingest request, exactly as received. Append-only. */
export interface EventsTable {
  id: Id;
  engagement_id: string;
  service_id: string;
  integration_type: string;
  integration_key: string;
  /** "alert" (trigger/acknowledge/resolve) or "change". */
  kind: string;
  received_at: number;
  request_id: string | null;
  /** The body as it arrived, byte for byte. */
  raw: string;
  /** The normalized actions (events/event.ts IngestAction[]), JSON. */
  actions: string;
  /** Set when the engine has applied the event to alerts and incidents. */
  processed_at: number | null;
  /** Set when the event could not be applied, even alone: it waits for an admin's retry. */
  quarantined_at: number | null;
  /** Why it could not be applied (the error's message). */
  apply_error: string | null;
}

export interface IncidentsTable {
  id: Id;
  engagement_id: string;
  /** Per-engagement sequence: ACME-42 is number 42. */
  number: number;
  service_id: string;
  title: string;
  severity: string;
  priority: string;
  status: string;
  /** Alertmanager webhook group key: alerts of one group share an incident. */
  group_key: string | null;
  /** Side that owned the incident when it opened (coverage). */
  side: string | null;
  created_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  alert_count: number;
  open_alert_count: number;
}

export interface AlertsTable {
  id: Id;
  engagement_id: string;
  service_id: string;
  incident_id: number;
  dedup_key: string;
  status: string;
  summary: string;
  severity: string;
  source: string | null;
  /** custom_details / labels, JSON. */
  details: string | null;
  integration_type: string;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
  event_count: number;
}

/** Everything that happened to an incident. Append-only: triggers refuse UPDATE and DELETE. */
export interface TimelineTable {
  id: Id;
  engagement_id: string;
  incident_id: number;
  at: number;
  /** e.g. event.trigger, alert.opened, incident.acknowledged, note (timeline.ts TimelineKind). */
  kind: string;
  /** "person", "token", "integration", "system". */
  actor_type: string;
  actor_id: string | null;
  message: string;
  data: string | null;
  event_id: number | null;
  alert_id: number | null;
  /** SHA-256 chained to the incident's previous entry (audit/hash.ts). Set on every row since 0011; nullable only because SQLite adds a column so. */
  hash: string | null;
}

/** Where each incident's timeline chain ends: the hash of its last entry (0012; incident/store.ts appendTimeline). */
export interface TimelineHeadsTable {
  incident_id: number;
  hash: string;
}

/** Change events (deploys, config changes) on a service's timeline. Append-only. */
export interface ChangesTable {
  id: Id;
  engagement_id: string;
  service_id: string;
  at: number;
  summary: string;
  source: string | null;
  data: string | null;
  event_id: number;
}

export interface TokensTable {
  id: string;
  /** sha256 hex of the secret; the secret itself is never stored. */
  secret_hash: string;
  role: string;
  /** JSON array of engagement ids the token may see. */
  engagements: string;
  person_id: string | null;
  label: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A policy running on an incident: from routing at open, or from overflow. */
export interface EscalationsTable {
  id: Id;
  engagement_id: string;
  incident_id: number;
  policy_id: string;
  side: string;
  /** "routing" or "overflow". */
  reason: string;
  started_at: number;
  /** active, stopped (acknowledged/resolved), finished (every pass paged). */
  status: string;
  ended_at: number | null;
}

/** A pending piece of escalation work with its due time: page tier N of pass P, or check overflow. */
export interface EscalationStepsTable {
  id: Id;
  engagement_id: string;
  incident_id: number;
  escalation_id: number | null;
  /** "tier", "overflow", or "end" (the last tier's time to answer is up: the escalation finishes). */
  kind: string;
  /** 0-based tier index. */
  tier: number;
  /** 0-based pass (repeat) number. */
  pass: number;
  due_at: number;
  /** pending, done, cancelled. */
  status: string;
  fired_at: number | null;
  fired_by: string | null;
}

/** The delivery outbox: one message to one contact on one channel, with its attempts. */
export interface NotificationsTable {
  id: Id;
  engagement_id: string;
  incident_id: number;
  step_id: number | null;
  recipient_kind: string;
  recipient_id: string;
  channel: string;
  address: string;
  /** page, bundle, sla_warning. */
  kind: string;
  reason: string;
  note: string | null;
  created_at: number;
  due_at: number;
  next_attempt_at: number;
  /** pending, sending, delivered, failed, cancelled, bundled. */
  status: string;
  attempts: number;
  last_error: string | null;
  lease_until: number | null;
  claimed_by: string | null;
  delivered_at: number | null;
  provider_id: string | null;
  /**
   * The send that carries this row: its carrier's id (the first row's, its own for a single page), which names
   * the delivery id. Recorded before the send leaves, so retries and re-sends send the same rows (migration 0021).
   * Null until the row is first sent; rows sent before 0021 have it only when bundled.
   */
  bundle_id: number | null;
  /** The provider's last report after accepting (Twilio MessageStatus / CallStatus: delivered, undelivered, no-answer...); migration 0016. */
  provider_status: string | null;
  provider_status_at: number | null;
}

/** The demo's local inbox: what would have been sent. */
export interface InboxTable {
  id: Id;
  engagement_id: string;
  notification_id: string;
  channel: string;
  address: string;
  recipient: string;
  subject: string;
  body: string;
  data: string;
  created_at: number;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

/** A dashboard session: a cookie standing for an API token. */
export interface SessionsTable {
  /** sha256 of the cookie value. */
  id_hash: string;
  token_id: string;
  created_at: number;
  expires_at: number;
}

/** An SLA running on an incident (one row per SLA and kind). */
export interface IncidentSlasTable {
  id: Id;
  engagement_id: string;
  incident_id: number;
  sla_id: string;
  /** respond or resolve. */
  kind: string;
  /** running, paused, met, breached, not_applicable. */
  status: string;
  /** The priority the state was computed for. */
  priority: string;
  target_ms: number | null;
  deadline: number | null;
  /** When the engine must look again (next warning or breach); null when nothing more can happen. */
  next_check_at: number | null;
  /** JSON array of warning thresholds already sent. */
  warned: string;
  breached_at: number | null;
  /** The priority it breached at (credits are per priority). */
  breach_priority: string | null;
  stopped_at: number | null;
  elapsed_ms: number;
  updated_at: number;
  /** Set on incidents released from maintenance (0014): the clock counts from here, not from the opening. */
  clock_from: number | null;
}

/** An incident brought in by a history import, keyed by its source and id there (idempotent imports). Append-only. */
export interface ImportsTable {
  id: Id;
  engagement_id: string;
  /** The layout it came from: "pagerduty" or "tandem-csv". */
  source: string;
  /** Its id in the source (PagerDuty incident id, or the CSV's number / a hash of the row). */
  source_id: string;
  incident_id: number;
  /** The file and line it was read from, for audit. */
  file: string;
  line: number;
  imported_at: number;
}

/** A ticket in an engagement's ticketing system, for one incident and ticketing entry (0007). */
export interface TicketsTable {
  id: Id;
  engagement_id: string;
  incident_id: number;
  /** The ticketing entry's id in the engagement file. */
  ticketing_id: string;
  system: string;
  /** The system's key people read (Jira OPS-1, ServiceNow INC0010001, ConnectWise #1234), once created. */
  external_key: string | null;
  /** What the system's API addresses the ticket by (Jira's key, ServiceNow's sys_id, ConnectWise's id) (0008). */
  external_id: string | null;
  external_url: string | null;
  /** pending (not created yet) | open | in_progress | done | failed. */
  state: string;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** One operation on a ticket, in the outbox (0007): run in id order per ticket. */
export interface TicketOpsTable {
  id: Id;
  engagement_id: string;
  ticket_id: number;
  /** create | transition | comment | priority. */
  kind: string;
  /** JSON: what the operation needs (a status category, a note, a priority). */
  payload: string;
  /** pending | running | done | failed. */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  claimed_by: string | null;
  last_error: string | null;
  /** The id of the note this operation created in the system, so its echo is recognised (0008). */
  external_ref: string | null;
  created_at: number;
  updated_at: number;
}

/** A ticketing system's webhook, accepted and waiting to be applied (0008); once per delivery. */
export interface TicketInboundTable {
  id: Id;
  engagement_id: string;
  ticketing_id: string;
  /** Jira's X-Atlassian-Webhook-Identifier, else a digest of the body: a second delivery is dropped. */
  dedupe_key: string;
  /** JSON: the change as parsed at the door (see src/ticketing/inbound.ts). */
  payload: string;
  /** pending | running | done (applied, or recognised as an echo or a no-op: `result` says which) | failed. */
  status: string;
  result: string | null;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  claimed_by: string | null;
  received_at: number;
  updated_at: number;
}

/** A vulnerability finding of an engagement (0009), one per fingerprint. */
export interface VulnFindingsTable {
  id: Id;
  engagement_id: string;
  /** sha256 of (CVE or rule id, package or location, asset): src/vulns/finding.ts. */
  fingerprint: string;
  /** The format of the scan that last reported it: trivy, grype, sarif:<tool>, nessus, greenbone. */
  scanner: string;
  cve: string | null;
  /** The scanner's id of the check (the CVE, a GHSA id, a Nessus plugin, a Greenbone NVT, a SARIF rule). */
  rule_id: string;
  title: string;
  /** critical | high | medium | low. */
  severity: string;
  asset: string;
  package: string | null;
  location: string | null;
  installed_version: string | null;
  fixed_version: string | null;
  /** The service given at import: where the overdue incident opens (else the engagement's first security service). */
  service_id: string | null;
  first_seen: number;
  last_seen: number;
  fixed_at: number | null;
  due_at: number;
  /** 1 when its CVE is in the KEV catalog. */
  kev: number;
  /** The KEV catalog's due date (YYYY-MM-DD), when it is in it. */
  kev_due_date: string | null;
  /** open | fixed | excepted (overdue is derived: open and due_at < now; an expired exception is open again). */
  status: string;
  exception_reason: string | null;
  exception_approver: string | null;
  exception_expires_at: number | null;
  /** When the overdue trigger was written: the claim that makes it once, also across instances. */
  alerted_at: number | null;
  incident_id: number | null;
  updated_at: number;
}

/** An imported scan (0009): its digest makes a re-import a no-op; its assets are what it covered. */
export interface VulnScansTable {
  id: Id;
  engagement_id: string;
  scanner: string;
  /** sha256 of the format and the file's text. */
  digest: string;
  /** JSON array of the assets the scan covered. */
  assets: string;
  findings: number;
  imported_at: number;
}

/** CISA's Known Exploited Vulnerabilities catalog as last imported (0009); global, like the CVEs it lists. */
export interface KevCatalogTable {
  cve: string;
  vendor: string;
  product: string;
  name: string;
  /** YYYY-MM-DD, as in the feed. */
  date_added: string;
  due_date: string;
  /** knownRansomwareCampaignUse: Known | Unknown. */
  ransomware: string;
  catalog_version: string;
  imported_at: number;
}

/** A heartbeat integration's watch (0013; src/heartbeat/): its last beat and the deadline its silence opens an incident at. */
export interface HeartbeatsTable {
  engagement_id: string;
  integration_key: string;
  /** The service of the last beat: where the silence's incident opens and the next beat resolves it. */
  service_id: string;
  /** watching | silent | unwatched (src/heartbeat/plan.ts). */
  state: string;
  last_beat_at: number;
  /** last_beat_at + every + grace, with the file's every and grace at that beat. */
  due_at: number;
  /** When the silence's incident was opened (state silent), else null. */
  silent_since: number | null;
  /** Beats received since the row was created. */
  beats: Generated<number>;
  updated_at: number;
}

/** A maintenance window or silence made through the API (0014; src/maintenance/). */
export interface MaintenanceWindowsTable {
  id: Id;
  engagement_id: string;
  /** window (services, from, to) or silence (matchers, until its expiry). */
  kind: string;
  /** window: JSON array of service ids. */
  services: string | null;
  /** silence: JSON array of Alertmanager matchers {name, value, isRegex, isEqual}. */
  matchers: string | null;
  starts_at: number;
  ends_at: number;
  reason: string;
  /** Actor reference of who made it ("person:dana", "token:ab12"). */
  created_by: string;
  created_at: number;
  /** Ended early (by whom). */
  ended_at: number | null;
  ended_by: string | null;
  /** When the engine recorded that its end passed. */
  expired_at: number | null;
}

/** A maintenance window's own timeline: created, ended early, expired. Append-only. */
export interface MaintenanceLogTable {
  id: Id;
  engagement_id: string;
  window_id: number;
  at: number;
  kind: string;
  actor: string;
  reason: string;
}

/** An incident opened in maintenance, waiting for the end to page (0014; src/maintenance/). */
export interface MaintenanceHoldsTable {
  id: Id;
  engagement_id: string;
  incident_id: number;
  reason: string;
  due_at: number;
  /** pending, released (paging started), cancelled (resolved or gone first). */
  status: string;
  created_at: number;
  released_at: number | null;
  released_by: string | null;
}

/** A note an admin published on the engagement's status page (0015; src/status/). */
export interface StatusNotesTable {
  id: Id;
  engagement_id: string;
  /** The public headline. */
  title: string;
  /** JSON array of the status page component names it is about. */
  components: string;
  /** The state it declares for them: degraded, outage, maintenance or operational. */
  state: string;
  /** The incident it was written for, if any: for admins, never shown on the page. */
  incident_id: number | null;
  /** Who published it (an actor reference, like incidents' acknowledged_by): for admins, never shown on the page. */
  created_by: string;
  created_at: number;
  updated_at: number;
  /** Set when resolved; the note then no longer affects its components. */
  resolved_at: number | null;
}

/** Each text published on a status note, in order. Append-only. */
export interface StatusNoteUpdatesTable {
  id: Id;
  engagement_id: string;
  note_id: number;
  at: number;
  /** The note's state with this update, or "resolved". */
  state: string;
  text: string;
  author: string;
}

/** What a chat member asked of an incident, once per member, incident and action (0017; src/chat/). */
export interface ChatActionsTable {
  /** "slack". */
  source: string;
  /** "<member>:<incident id>:<action>". */
  key: string;
  engagement_id: string;
  incident_id: number;
  action: string;
  actor: string;
  at: number;
}

/** An email subscriber of an engagement's status page (0018; src/subscribers/). */
export interface StatusSubscribersTable {
  id: Id;
  engagement_id: string;
  /** Lowercase. */
  email: string;
  /** JSON array of component names; empty = every component. */
  components: string;
  /** pending (confirmation link not opened yet), active, unsubscribed. */
  state: string;
  /** The random input of the current confirmation token (the token itself is never stored). */
  confirm_nonce: string | null;
  /** SHA-256 (hex) of the current confirmation token. */
  confirm_hash: string | null;
  confirm_expires_at: number | null;
  unsubscribe_nonce: string;
  /** SHA-256 (hex) of the unsubscribe token. */
  unsubscribe_hash: string;
  created_at: number;
  updated_at: number;
  confirmed_at: number | null;
}

/** The status page subscribers' outbox: one row per subscriber and mail (0018; src/subscribers/). */
export interface StatusMailsTable {
  id: Id;
  engagement_id: string;
  subscriber_id: number;
  /** `confirm:<nonce>` or `note:<note id>:<update id>`: unique per subscriber, so each is queued once. */
  key: string;
  /** confirm or note. */
  kind: string;
  note_id: number | null;
  update_id: number | null;
  /** pending, running (claimed, lease_until), sent, failed, cancelled. */
  status: string;
  due_at: number;
  lease_until: number | null;
  claimed_by: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface DB {
  engagements: EngagementsTable;
  services: ServicesTable;
  integration_keys: IntegrationKeysTable;
  people: PeopleTable;
  events: EventsTable;
  incidents: IncidentsTable;
  alerts: AlertsTable;
  timeline: TimelineTable;
  timeline_heads: TimelineHeadsTable;
  changes: ChangesTable;
  tokens: TokensTable;
  escalations: EscalationsTable;
  escalation_steps: EscalationStepsTable;
  notifications: NotificationsTable;
  inbox: InboxTable;
  server_secrets: ServerSecretsTable;
  sessions: SessionsTable;
  incident_slas: IncidentSlasTable;
  imports: ImportsTable;
  tickets: TicketsTable;
  ticket_ops: TicketOpsTable;
  ticket_inbound: TicketInboundTable;
  vuln_findings: VulnFindingsTable;
  vuln_scans: VulnScansTable;
  kev_catalog: KevCatalogTable;
  status_notes: StatusNotesTable;
  status_note_updates: StatusNoteUpdatesTable;
  maintenance_windows: MaintenanceWindowsTable;
  maintenance_log: MaintenanceLogTable;
  maintenance_holds: MaintenanceHoldsTable;
  chat_actions: ChatActionsTable;
  status_subscribers: StatusSubscribersTable;
  status_mails: StatusMailsTable;
  heartbeats: HeartbeatsTable;
}

export type IncidentRow = Selectable<IncidentsTable>;
export type AlertRow = Selectable<AlertsTable>;
export type TimelineRow = Selectable<TimelineTable>;
export type EventRow = Selectable<EventsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type EscalationStepRow = Selectable<EscalationStepsTable>;
export type IncidentSlaRow = Selectable<IncidentSlasTable>;
export type TicketRow = Selectable<TicketsTable>;
export type TicketOpRow = Selectable<TicketOpsTable>;
export type TicketInboundRow = Selectable<TicketInboundTable>;
export type VulnFindingRow = Selectable<VulnFindingsTable>;
