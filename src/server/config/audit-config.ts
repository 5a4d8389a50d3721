/** The `audit` section: how many audit records the sidecar keeps (see docs/configuration.md). */
import { onlyKeys, optional, readInteger, readObject, type Json } from "../../policies/settings-json.js";
import { DEFAULT_AUDIT_RETENTION } from "../../state/audit-log.js";

export interface AuditConfig {
  /** Admin changes other than quote pushes (applied or failed); the oldest are dropped first. */
  retainRecords: number;
  /** PushQuote / StreamQuotes ticks, bounded apart so a tick stream never pushes a limit change out. */
  retainQuoteRecords: number;
  /** Denied calls of an identified principal, bounded apart so a client hammering a denied RPC never pushes a change out. */
  retainDenials: number;
  /** Denied calls of nobody identified, bounded apart so anyone reaching the port never pushes a principal's denial out. */
  retainUnauthenticatedDenials: number;
}

export const DEFAULT_AUDIT: AuditConfig = {
  retainRecords: DEFAULT_AUDIT_RETENTION.records,
  retainQuoteRecords: DEFAULT_AUDIT_RETENTION.quoteRecords,
  retainDenials: DEFAULT_AUDIT_RETENTION.denials,
  retainUnauthenticatedDenials: DEFAULT_AUDIT_RETENTION.unauthenticatedDenials,
};

export function parseAudit(json: Json, path: string): AuditConfig {
  const o = readObject(json, path);
  onlyKeys(o, path, Object.keys(DEFAULT_AUDIT));
  const int = (key: keyof AuditConfig) => optional(o[key], `${path}.${key}`, (j, p) => readInteger(j, p, 0, 100_000_000)) ?? DEFAULT_AUDIT[key];
  return {
    retainRecords: int("retainRecords"),
    retainQuoteRecords: int("retainQuoteRecords"),
    retainDenials: int("retainDenials"),
    retainUnauthenticatedDenials: int("retainUnauthenticatedDenials"),
  };
}

/** The door's retention bounds from the configuration. */
export function auditRetentionOf(c: AuditConfig) {
  return { records: c.retainRecords, quoteRecords: c.retainQuoteRecords, denials: c.retainDenials, unauthenticatedDenials: c.retainUnauthenticatedDenials };
}
