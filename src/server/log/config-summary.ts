/**
 * The configuration in force, summarised for the start-up log line: what an operator needs
 * to know the process runs as configured, without secrets (no key paths' contents, no
 * tokens) and without long lists (counts of accounts and instruments, not the lists).
 */
import type { SidecarConfig } from "../config/sidecar-config.js";
import { natsCredentialKind } from "../config/replication-config.js";

/**
 * Only what the mode uses: a replicated sidecar's state is in the NATS stream, and a data
 * directory in its start line told operators otherwise (found by review).
 */
function durabilitySummary(d: SidecarConfig["durability"]) {
  if (d.mode === "ephemeral") return { mode: d.mode };
  const snapshots = { snapshotEveryRecords: d.snapshotEveryRecords, snapshotEverySeconds: d.snapshotEverySeconds };
  if (d.mode === "replicated") return { mode: d.mode, ...snapshots };
  return { mode: d.mode, dataDir: d.dataDir, ...snapshots, segmentBytes: d.segmentBytes };
}

export function configSummary(c: SidecarConfig) {
  return {
    listen: c.listen,
    metricsListen: c.metrics.listen,
    syncMode: c.syncMode,
    durability: durabilitySummary(c.durability),
    policies: c.policies.map((p) => p.type),
    accounts: { strict: c.accounts.strict, listed: c.accounts.list.length, defaultCurrency: c.accounts.defaultCurrency ?? null },
    instruments: c.marketData.instruments.length,
    security: {
      tls: c.security.tls !== undefined,
      principals: c.security.principals?.length ?? 0,
      tokensFile: c.security.tokensFile !== undefined,
      clientCrlFile: c.security.tls?.clientCrlFile !== undefined,
      insecure: c.security.insecure,
    },
    // Whether NATS is reached over TLS and with which kind of credential: never a path's content.
    // Null unless the journal is replicated: a section kept for later is not used (found by review).
    replication:
      c.durability.mode !== "replicated" || c.replication === undefined
        ? null
        : {
            tls: c.replication.tls !== undefined,
            clientCertificate: c.replication.tls?.certFile !== undefined,
            credential: natsCredentialKind(c.replication),
            // Whether the journal, leases and snapshots are signed; the key's id is in the standby/serving lines (read from its file at start).
            signing: c.replication.signing === undefined ? null : { acceptUnsigned: c.replication.signing.acceptUnsigned },
          },
    limits: c.limits,
    network: c.network,
    audit: c.audit,
  };
}
