/** Public surface of the audit subsystem for the pipeline and the sys/audit handlers. */
export type { AuditAuthInfo, AuditBroker, AuditDeviceInfo, AuditRequestFacts, AuditResponseFacts } from "./types.js";
export { createAuditBroker, type AuditBrokerOptions } from "./broker.js";
export { isNotAudited } from "./paths.js";
