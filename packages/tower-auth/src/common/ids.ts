/**
 * The shapes of the ids that reach the module from outside (paths, token claims, host calls),
 * checked before any query: a value that does not fit is "not found", never a database error.
 */

/** A user, token or row id: a positive bigint of at most 18 digits, so always in range. */
export const BIGINT_ID = /^[1-9][0-9]{0,17}$/;

/** A session id (a lower-case UUID, as Postgres prints it). */
export const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
