/**
 * A locked-down NATS cluster (docs/security.md, "Replicated mode"): TLS on the client port with
 * client certificates verified, user authorization, and the journal's, leases' and snapshots'
 * subjects open to the sidecars' user only. Failover instances configured with
 * `replication.tls` and a credential take over from each other through it (the journal, the
 * snapshot bucket, the lease bucket and the standby's tail, all on the one connection); an
 * outsider without the credential cannot connect, and a user without the permissions cannot
 * publish a record on the journal's subjects. `replication.tls` against a server without TLS
 * fails the start: never plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { connect as natsConnect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { callUnary } from "../../src/client/index.js";
import { startSidecar } from "../../src/app/start-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { ConfigError } from "../../src/server/config/load-config.js";
import { systemClock } from "../../src/engine/clock.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { TestPki, type Pem } from "../security/pki.js";
import { NATS_READY, startNatsCluster, type NatsCluster } from "./nats-cluster.js";
import { failoverConfig, startFailoverInstance, waitRole, type FailoverInstance } from "./failover-instances.js";
import { LEASE_TTL_MS } from "./replicated-sidecars.js";
import { replicatedSetup } from "./replicated-sidecar.js";

const DEPLOYMENT = "LOCKED";
const STREAM = `J_${DEPLOYMENT}`;
const PREFIX = STREAM.toLowerCase();
const LEASES = `leases_${DEPLOYMENT}`;
const SNAPSHOTS = `${STREAM}_snapshots`;
const SIDECAR_PASSWORD = "sidecar-pw-7f3c1e9a";
const READER_PASSWORD = "reader-pw-2b8d";

/** The subjects only the sidecars may use (the snippet of docs/security.md, plus their inboxes and consumers' replies). */
const SIDECAR_PERMISSIONS = {
  publish: { allow: [`${PREFIX}.>`, `$KV.${LEASES}.>`, `$O.${SNAPSHOTS}.>`, "$JS.API.>", "$JS.ACK.>", "$JS.FC.>"] },
  subscribe: { allow: ["_INBOX.>", `${PREFIX}.>`, `$KV.${LEASES}.>`, `$O.${SNAPSHOTS}.>`] },
};
const PROTECTED = [`${PREFIX}.>`, `$KV.${LEASES}.>`, `$O.${SNAPSHOTS}.>`, "$JS.API.>"];

describe.runIf(NATS_READY)("replicated mode on a locked-down NATS (TLS with client certificates, user authorization)", () => {
  let pki: TestPki;
  let client: Pem;
  let caFile: string;
  let passwordFile: string;
  let cluster: NatsCluster;
  const instances: FailoverInstance[] = [];

  beforeAll(async () => {
    pki = new TestPki();
    caFile = pki.ca("nats-ca").certFile;
    const server = pki.leaf("nats-ca", "nats", "server");
    client = pki.leaf("nats-ca", "sidecar", "client");
    passwordFile = pki.path("nats-password");
    writeFileSync(passwordFile, `${SIDECAR_PASSWORD}\n`);
    cluster = await startNatsCluster({
      tls: { certFile: server.certFile, keyFile: server.keyFile, caFile, verify: true },
      authorization: {
        users: [
          { user: "sidecar", password: SIDECAR_PASSWORD, permissions: SIDECAR_PERMISSIONS },
          { user: "reader", password: READER_PASSWORD, permissions: { publish: { deny: PROTECTED }, subscribe: { allow: ["_INBOX.>"] } } },
        ],
      },
      clientOptions: { tls: { caFile, certFile: client.certFile, keyFile: client.keyFile }, user: "sidecar", pass: SIDECAR_PASSWORD },
    });
  }, 30_000);
  afterAll(async () => {
    for (const i of instances) await i.stop().catch(() => undefined);
    await cluster?.stop();
    pki?.remove();
  });

  const serverLogs = (): string => cluster.names.map((n) => readFileSync(join(cluster.dir, `${n}.log`), "utf8")).join("\n");
  const lockedConfig = async (id: string): Promise<Record<string, unknown>> => {
    const config = await failoverConfig(cluster, DEPLOYMENT, id);
    Object.assign(config.replication as Record<string, unknown>, { tls: { caFile, certFile: client.certFile, keyFile: client.keyFile }, user: "sidecar", passwordFile });
    return config;
  };
  const outsider = (options: { user?: string; pass?: string }): Promise<NatsConnection> =>
    natsConnect({
      servers: [cluster.urls[1]!],
      maxReconnectAttempts: 0,
      timeout: 3000,
      tls: { caFile, certFile: client.certFile, keyFile: client.keyFile },
      ...(options.user !== undefined ? { user: options.user, pass: options.pass } : {}),
    });

  it("instances with replication.tls and a user take over from each other; no secret in their log or status", async () => {
    const a = await startFailoverInstance("a", await lockedConfig("a"));
    instances.push(a);
    await waitRole(a, ReplicationRole.ACTIVE, 15_000);
    await callUnary(a.clients.admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId: 42n, reason: "compliance hold" }));
    const b = await startFailoverInstance("b", await lockedConfig("b"));
    instances.push(b);
    await waitRole(b, ReplicationRole.STANDBY, 15_000);
    await a.stop();
    await waitRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 10_000);
    const state = (await callUnary(b.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: 42n }))) as ad.GetAccountStateResponse;
    expect(JSON.stringify(state, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).toContain("compliance hold");

    const status = await callUnary(b.clients.admin, "getServerStatus", create(op.GetServerStatusRequestSchema, {}));
    const said = JSON.stringify([a.log, b.log, status], (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    expect(said).not.toContain(SIDECAR_PASSWORD);
    expect(said).not.toContain(client.key.toString().split("\n")[1]);
    expect(b.log.find((l) => l.event === "start")).toMatchObject({ config: { replication: { tls: true, clientCertificate: true, credential: "user" } } });
    // The permissions of docs/security.md were enough: the servers refused the sidecars nothing.
    expect(serverLogs()).not.toMatch(/Violation - User "sidecar"/);
  }, 90_000);

  it("an outsider without the credential cannot connect", async () => {
    // With a client certificate the server trusts: what stops it is the missing credential.
    await expect(outsider({})).rejects.toThrow(/Authorization Violation/i);
    await expect(outsider({ user: "sidecar", pass: "guessed" })).rejects.toThrow(/Authorization Violation/i);
  }, 30_000);

  it("a user without the sidecars' permissions cannot publish a record on the journal's subjects, nor reach its stream", async () => {
    const nc = await outsider({ user: "reader", pass: READER_PASSWORD });
    try {
      await expect(jetstream(nc, { timeout: 2000 }).publish(`${PREFIX}.0`, new TextEncoder().encode("forged"))).rejects.toThrow(/Permissions Violation/i);
      await expect(jetstreamManager(nc, { timeout: 2000 })).rejects.toThrow(/Permissions Violation/i);
      expect(serverLogs()).toMatch(/Publish Violation - User "reader", Subject "[^"]*"/);
    } finally {
      await nc.close();
    }
  }, 30_000);
});

describe.runIf(NATS_READY)("replication.tls against a NATS server without TLS", () => {
  let cluster: NatsCluster;
  let pki: TestPki;
  beforeAll(async () => {
    pki = new TestPki();
    pki.ca("nats-ca");
    cluster = await startNatsCluster();
  }, 30_000);
  afterAll(async () => {
    await cluster?.stop();
    pki?.remove();
  });

  it("fails the start with a configuration error: the sidecar never connects in plaintext", async () => {
    const setup = replicatedSetup(cluster, "PLAIN", { tls: { caFile: pki.path("nats-ca.pem") } });
    try {
      const logger = createLogger("info", { write: () => undefined });
      const start = startSidecar(parseSidecarConfig(setup.config), systemClock(), () => undefined, logger);
      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(
        `replication.tls is set, but the NATS server does not offer TLS (${cluster.urls.join(", ")}): the sidecar does not connect to NATS in plaintext; enable TLS on the servers' client port, or remove replication.tls`,
      );
      // Nothing was written: the stream was never created.
      const nc = await natsConnect({ servers: [cluster.urls[0]!] });
      try {
        const jsm = await jetstreamManager(nc);
        await expect(jsm.streams.info("PLAIN")).rejects.toThrow(/stream not found/i);
      } finally {
        await nc.close();
      }
    } finally {
      setup.cleanup();
    }
  }, 30_000);

  it("a file it names that cannot be read fails the start with a configuration error naming the path", async () => {
    const missing = pki.path("no-such-ca.pem");
    const setup = replicatedSetup(cluster, "NOFILE", { tls: { caFile: missing } });
    try {
      const logger = createLogger("info", { write: () => undefined });
      const start = startSidecar(parseSidecarConfig(setup.config), systemClock(), () => undefined, logger);
      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(`replication.tls.caFile: cannot read ${missing} (ENOENT)`);
    } finally {
      setup.cleanup();
    }
  }, 30_000);
});
