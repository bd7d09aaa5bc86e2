/**
 * Dialect-neutral view of storage failures for the layers above the adapters. "Unavailable" means the
 * database could not be reached or gave up (connection lost, timeout, shutting down): the request
 * may succeed later, so it is answered 503, never 500, and never left hanging.
 */
import { isStorageUnavailable as pgUnavailable } from "./postgres/errors.js";

// SQLite is in-process: there is no connection to lose; its failures are bugs or a full disk (500).
export const isStorageUnavailable = (err: unknown): boolean => pgUnavailable(err);

export const STORAGE_UNAVAILABLE = "storage unavailable";
