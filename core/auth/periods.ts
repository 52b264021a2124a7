// Calendar maths moved to core/stats/calendar.ts (one module for quotas and
// statistics); re-exported here for the auth path's imports.
export { hourOf, localDay, localMonthStart, secondsToLocalMidnight } from '../stats/calendar.js'
