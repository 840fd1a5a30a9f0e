/**
 * Coverage: which window an instant is in (business hours, after hours,
 * weekend, holiday), who owns each function then, and business-time
 * arithmetic for SLA clocks. Pure functions of (engagement, instant).
 */
export { addBusinessMs, businessIntervalOn, businessIntervals, businessMsBetween } from './business-time.js';
export type { Holiday, HolidayChecker } from './holidays.js';
export { COMPANY_CLOSURE, COUNTED_HOLIDAY_TYPES, holidayOnDay, holidaysFor, holidaysInYear, isKnownHolidayRegion } from './holidays.js';
export type { Interval } from './interval.js';
export type { CoverageSnapshot, Ownership } from './owner.js';
export { coverageAt, explainCoverage, overflowApplies, ownerAt } from './owner.js';
export { nextWindowChange, windowAt, windowDetailAt, windowLabel } from './window.js';
