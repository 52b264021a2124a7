// Calendar maths moved to core/stats/calendar.ts (one module for quotas and
// statistics); re-exported here for the auth path's imports.
export { hourOf, localDay, localMonthStart, QUARTER_HOUR_MS, secondsToLocalMidnight } from '../stats/calendar.js'
