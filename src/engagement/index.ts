/**
 * The engagement file, format version 1: load, validate, normalize. Other
 * modules import from here (types from ./model.js).
 */
export type * from './model.js';
export { CHANNELS, INTEGRATION_TYPES, PAUSE_STATUSES, SEVERITIES, SIDES, WINDOWS } from './model.js';
export type { Diagnostic, Position } from './diagnostics.js';
export { compareDiagnostics, formatDiagnostic, sortDiagnostics } from './diagnostics.js';
export type { TextLoadResult } from './load.js';
export { LoadCache, loadEngagementText, loadEngagements } from './load.js';
export type { Path } from './source.js';
export { SCHEMA_ID, engagementJsonSchema } from './schema.js';
export type { Parsed } from './duration.js';
export { DEFAULT_DURATION_UNITS, ROTATION_UNITS, UNIT_MS, durationExpectation, parseDuration } from './duration.js';
export type { Handoff } from './calendar.js';
export { DAY_NAMES, isoWeekday, parseDate, parseDays, parseHandoff, parseLocalDateTime, parseTimeOfDay } from './calendar.js';
export { parsePercent, parseTimeZone } from './values.js';
export type { MissingEnv } from './ticketing.js';
export { MissingEnvError, missingTicketingEnv, ticketingEnvNames } from './ticketing.js';
