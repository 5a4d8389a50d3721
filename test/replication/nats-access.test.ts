/**
 * The NATS TLS and credential files (src/app/nats-access.ts), read at start: each file that
 * cannot be used stops the start naming its key and path, never its content; what is read
 * reaches the connection's options (the CA, the client identity, the authenticator).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { nkeys } from "@nats-io/transport-node";
import { readNatsAccess } from "../../src/app/nats-access.js";
import { ConfigError } from "../../src/server/config/load-config.js";
import type { ReplicationConfig } from "../../src/server/config/replication-config.js";
import { DEFAULT_REPLICATION } from "../../src/server/config/replication-config.js";
import { TestPki, type Pem } from "../security/pki.js";

const base: ReplicationConfig = { ...DEFAULT_REPLICATION, servers: ["tls://127.0.0.1:4222"] };

describe("NATS access files, read at start", () => {
  let pki: TestPki;
  let ca: Pem;
  let client: Pem;
  let other: Pem;
  const file = (name: string, text: string): string => {
    const path = pki.path(name);
    writeFileSync(path, text);
    return path;
  };
  const refusal = (r: Partial<ReplicationConfig>): string => {
    try {
      readNatsAccess({ ...base, ...r });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };

  beforeAll(() => {
    pki = new TestPki();
    ca = pki.ca("nats-ca");
    client = pki.leaf("nats-ca", "sidecar", "client");
    other = pki.leaf("nats-ca", "other", "client");
  });
  afterAll(() => pki.remove());

  it("nothing configured: no TLS, no authenticator (the connection's options are as before)", () => {
    expect(readNatsAccess(base)).toEqual({});
  });

  it("tls: the CA, and the client identity when given, verified", () => {
    const access = readNatsAccess({ ...base, tls: { caFile: ca.certFile, certFile: client.certFile, keyFile: client.keyFile } });
    expect(access.tls).toEqual({ ca: ca.cert.toString(), cert: client.cert.toString(), key: client.key.toString(), rejectUnauthorized: true });
    expect(readNatsAccess({ ...base, tls: { caFile: ca.certFile } }).tls).toEqual({ ca: ca.cert.toString(), rejectUnauthorized: true });
  });

  it("user and passwordFile, tokenFile: the secret is the file's one line", () => {
    const pw = file("pw", "p@ss word\n");
    expect(readNatsAccess({ ...base, user: "sidecar", passwordFile: pw }).authenticator!()).toEqual({ user: "sidecar", pass: "p@ss word" });
    const token = file("token", "t0ken\r\n");
    expect(readNatsAccess({ ...base, tokenFile: token }).authenticator!()).toEqual({ auth_token: "t0ken" });
  });

  it("credsFile: the user JWT, and the nonce signed with the file's seed", () => {
    const user = nkeys.createUser();
    const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln";
    const creds = file(
      "sidecar.creds",
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\n` +
        `NKEY Seed printed below can be used to sign and prove identity.\n\n-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`,
    );
    const auth = readNatsAccess({ ...base, credsFile: creds }).authenticator!("n0nce") as { jwt: string; nkey: string; sig: string };
    expect(auth.jwt).toBe(jwt);
    expect(auth.nkey).toBe(user.getPublicKey());
    expect(user.verify(new TextEncoder().encode("n0nce"), nkeys.decode(auth.sig))).toBe(true);
  });

  it("refuses a file that is missing, unreadable or not what its key says, naming the key and the path", () => {
    const missing = pki.path("missing.pem");
    const dir = pki.path("a-directory");
    mkdirSync(dir, { recursive: true });
    expect(refusal({ tls: { caFile: missing } })).toBe(`replication.tls.caFile: cannot read ${missing} (ENOENT)`);
    expect(refusal({ tls: { caFile: dir } })).toBe(`replication.tls.caFile: cannot read ${dir} (EISDIR)`);
    expect(refusal({ tls: { caFile: ca.certFile, certFile: missing, keyFile: client.keyFile } })).toBe(`replication.tls.certFile: cannot read ${missing} (ENOENT)`);
    expect(refusal({ tls: { caFile: ca.certFile, certFile: client.certFile, keyFile: missing } })).toBe(`replication.tls.keyFile: cannot read ${missing} (ENOENT)`);
    expect(refusal({ tls: { caFile: ca.keyFile } })).toBe(`replication.tls.caFile: ${ca.keyFile} holds no PEM certificate`);
    expect(refusal({ tls: { caFile: ca.certFile, certFile: client.certFile, keyFile: other.keyFile } })).toMatch(
      new RegExp(`^replication\\.tls: ${client.certFile} / ${other.keyFile} do not make a TLS client identity: .*key values mismatch`),
    );
    expect(refusal({ user: "u", passwordFile: missing })).toBe(`replication.passwordFile: cannot read ${missing} (ENOENT)`);
    expect(refusal({ tokenFile: missing })).toBe(`replication.tokenFile: cannot read ${missing} (ENOENT)`);
    expect(refusal({ credsFile: missing })).toBe(`replication.credsFile: cannot read ${missing} (ENOENT)`);
    const empty = file("empty", "\n");
    expect(refusal({ user: "u", passwordFile: empty })).toBe(`replication.passwordFile: ${empty} is empty`);
    expect(refusal({ tokenFile: empty })).toBe(`replication.tokenFile: ${empty} is empty`);
  });

  it("never quotes a secret file's content", () => {
    const twoLines = file("two-lines", "s3cret-line-one\ns3cret-line-two\n");
    const message = refusal({ user: "u", passwordFile: twoLines });
    expect(message).toBe(`replication.passwordFile: ${twoLines} holds more than one line (the file holds the secret alone)`);
    const notCreds = file("not.creds", "SUAs3cretseedthatisnotacredsfile\n");
    const credsMessage = refusal({ credsFile: notCreds });
    expect(credsMessage).toBe(`replication.credsFile: ${notCreds} is not a NATS credentials file (a user JWT and its nkey seed)`);
    const badSeed = file("bad-seed.creds", "-----BEGIN NATS USER JWT-----\neyJ.e30.x\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAs3cretbadseed\n------END USER NKEY SEED------\n");
    expect(refusal({ credsFile: badSeed })).toBe(`replication.credsFile: ${badSeed} is not a NATS credentials file (a user JWT and its nkey seed)`);
    expect(refusal({ tls: { caFile: ca.certFile, certFile: client.certFile, keyFile: twoLines } })).not.toContain("s3cret");
  });
});
