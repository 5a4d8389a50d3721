/**
 * A sidecar with a `security` section on 127.0.0.1 (TLS from a test PKI, principals,
 * bearer tokens), and clients connecting as each principal, with a token, or as nobody.
 */
import type { SidecarLogger } from "../../src/server/log/sidecar-log.js";
import { randomBytes } from "node:crypto";
import { copyFileSync, renameSync, writeFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { status, type ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ManualClock } from "../../src/engine/index.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { SidecarServer } from "../../src/server/server.js";
import type { Denial } from "../../src/server/services/service-context.js";
import { sha256Hex } from "../../src/server/security/bearer-tokens.js";
import { callUnary, connect, type ConnectOptions, type SidecarClients } from "../../src/client/index.js";
import { ACCOUNT, testConfig } from "../server/harness.js";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { TestPki, type Pem } from "./pki.js";

/** The gateway's and the feed's own accounts: ACCOUNT by id, and every account of group 7. */
export const GROUP = 7;
export const GROUP_ACCOUNT = 700n;
/** Configured on the sidecar, in nobody's scope. */
export const FOREIGN_ACCOUNT = 77n;

export const PRINCIPALS = [
  { name: "gateway-a", roles: ["gateway"], accounts: [Number(ACCOUNT)], groups: [GROUP] },
  { name: "feed-a", roles: ["feed"], accounts: [Number(ACCOUNT)], groups: [GROUP] },
  { name: "operator", roles: ["operator"] },
  { name: "monitor", roles: ["monitor"] },
  // A second gateway, for the foreign account (and group 7, to see two gateways meet).
  { name: "gateway-b", roles: ["gateway"], accounts: [Number(FOREIGN_ACCOUNT)], groups: [GROUP] },
];
export type Who = "gateway-a" | "feed-a" | "operator" | "monitor" | "gateway-b";
/** One principal of each role. */
export const ROLE_HOLDERS: readonly Who[] = ["gateway-a", "feed-a", "operator", "monitor"];
export const WHO: readonly Who[] = [...ROLE_HOLDERS, "gateway-b"];

/** Certificates and tokens, made once per test file. */
export class Credentials {
  readonly pki = new TestPki();
  readonly ca: Pem;
  readonly server: Pem;
  readonly clients = new Map<string, Pem>();
  readonly tokens = new Map<string, string>();
  /** A certificate from a CA the sidecar does not trust, named like a configured principal. */
  readonly unknownCa: Pem;
  readonly tokensFile: string;

  constructor() {
    this.ca = this.pki.ca("test-ca");
    this.server = this.pki.leaf("test-ca", "127.0.0.1", "server", "server");
    // "stranger": signed by the trusted CA, but no principal of that name is configured.
    for (const name of [...WHO, "stranger"]) this.clients.set(name, this.pki.leaf("test-ca", name, "client"));
    this.pki.ca("rogue-ca");
    this.unknownCa = this.pki.leaf("rogue-ca", "operator", "client", "rogue-operator");
    for (const name of WHO) this.tokens.set(name, randomBytes(24).toString("base64url"));
    this.tokensFile = this.pki.path("tokens.json");
    this.writeTokens(WHO);
  }

  /** Writes the tokens file with the tokens of `holders` only (a reload then revokes the others). */
  writeTokens(holders: readonly Who[]): void {
    writeFileSync(this.tokensFile, JSON.stringify({ tokens: holders.map((principal) => ({ principal, sha256: sha256Hex(this.tokens.get(principal)!) })) }));
  }

  /** The `security` section: TLS with optional client certificates, and tokens. */
  security(tls: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      tls: { certFile: this.server.certFile, keyFile: this.server.keyFile, clientCaFile: this.ca.certFile, requireClientCertificate: false, ...tls },
      tokensFile: this.tokensFile,
      principals: PRINCIPALS,
      ...extra,
    };
  }

  /** mTLS as `who` (a configured principal, "stranger", or "rogue" from the untrusted CA). */
  certificate(who: Who | "stranger" | "rogue"): ConnectOptions {
    const pem = who === "rogue" ? this.unknownCa : this.clients.get(who)!;
    return { rootCa: this.ca.cert, clientCert: pem.cert, clientKey: pem.key };
  }

  /** TLS without a client certificate, with `who`'s bearer token (or any string). */
  token(whoOrToken: Who | string): ConnectOptions {
    return { rootCa: this.ca.cert, bearerToken: this.tokens.get(whoOrToken) ?? whoOrToken };
  }

  /** TLS, no credentials at all. */
  nobody(): ConnectOptions {
    return { rootCa: this.ca.cert };
  }

  remove(): void {
    this.pki.remove();
  }
}

export interface SecureHarness {
  readonly server: SidecarServer;
  readonly address: string;
  readonly denials: Denial[];
  connect(options: ConnectOptions): SidecarClients;
  close(): Promise<void>;
}

/** The realistic test engine with `security`, group 7 holding GROUP_ACCOUNT, listening on 127.0.0.1:0. */
export async function startSecureHarness(security: Record<string, unknown>, overrides: Record<string, unknown> = {}, logger?: SidecarLogger): Promise<SecureHarness> {
  const config = testConfig({
    accounts: { defaultCurrency: "USD", list: [{ id: Number(GROUP_ACCOUNT), group: GROUP }, { id: Number(FOREIGN_ACCOUNT) }] },
    security,
    ...overrides,
  });
  const server = buildSidecar(parseSidecarConfig(config), new ManualClock(1_000), undefined, logger);
  const denials: Denial[] = [];
  server.onDenied = (d) => denials.push(d);
  const port = await server.listen("127.0.0.1:0");
  const address = `127.0.0.1:${port}`;
  const opened: SidecarClients[] = [];
  return {
    server,
    address,
    denials,
    connect(options) {
      // Own connections per client: grpc-js would otherwise share a connection made under
      // other credentials (or an older server certificate) between equal-looking clients.
      const c = connect(address, { ...options, channelOptions: { "grpc.use_local_subchannel_pool": 1, ...options.channelOptions } });
      opened.push(c);
      return c;
    },
    async close() {
      await server.shutdown();
      opened.forEach((c) => c.close());
    },
  };
}

/**
 * Everything a refusal must leave as it was: the whole state but the audit trail, which
 * records the refusal, and the event numbering and kept events (the record's event takes a
 * number and is kept for monitors that resume).
 */
/**
 * For a describe block: credentials made once, and a secure harness started before each test and
 * closed after it, by the hooks this registers. `beforeClose` runs first at each test's end (the
 * channels a test opened). Read `creds` and `h` inside hooks and tests, not while collecting.
 */
export function useSecureHarness(beforeClose?: () => Promise<unknown>): { readonly creds: Credentials; readonly h: SecureHarness } {
  let creds: Credentials | undefined;
  let h: SecureHarness | undefined;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds?.remove());
  beforeEach(async () => {
    h = await startSecureHarness(creds!.security());
  });
  afterEach(async () => {
    await beforeClose?.();
    await h?.close();
  });
  return {
    get creds() {
      return creds!;
    },
    get h() {
      return h!;
    },
  };
}

export function stateApartFromAudit(server: SidecarServer): unknown {
  return { ...server.state.snapshot(), audit: undefined, eventSequence: undefined, keptEvents: undefined };
}

/** Every open channel the sidecar closes from now on, with its reason, in order (the revocation tests' view of a close). */
export function recordChannelCloses(server: SidecarServer): { id: bigint; reason: string }[] {
  const closes: { id: bigint; reason: string }[] = [];
  const state = server.state;
  const close = state.closeChannel.bind(state);
  state.closeChannel = (id, reason) => {
    if (state.channels.has(id)) closes.push({ id, reason });
    close(id, reason);
  };
  return closes;
}

/** An admin read (GetJournalStatus) as `options`' holder: "OK", or the status and its details. */
export const journalStatus = (h: SecureHarness, options: ConnectOptions): Promise<string> =>
  callUnary(h.connect(options).admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema)).then(
    () => "OK",
    (e: ServiceError) => `${status[e.code]} ${e.details}`,
  );

/** Puts the file `made` in place of `target` by rename, as operators are told to (a read never sees it half written). */
export function replaceByRename(made: string, target: string): void {
  copyFileSync(made, `${target}.new`);
  renameSync(`${target}.new`, target);
}
