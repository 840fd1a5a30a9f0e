/**
 * Schedules: who is on call when (rotations, layers, `only` windows,
 * overrides), and the same as an iCalendar feed. Pure functions of
 * (schedule, instants).
 */
export type { IcalFeedOptions } from './ical.js';
export { escapeText, foldLine, icalFeed, icalUtc, shiftUid } from './ical.js';
export type { Shift } from './on-call.js';
export { gaps, nextChange, onCallAt, shifts } from './on-call.js';
export type { RotationPiece } from './rotation.js';
export { firstHandoffNaive, handoffAt, memberOfTurn, rotationMemberAt, rotationPieces, turnAt } from './rotation.js';
