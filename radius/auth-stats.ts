// Login counts moved to core/stats/auth-counts.ts, beside their readers.
export { AuthStats } from '../core/stats/auth-counts.js'
