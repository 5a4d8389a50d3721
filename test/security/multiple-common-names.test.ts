/**
 * A client certificate whose subject holds two CNs names nobody in CN mode (found by review):
 * it used to be admitted as whichever CN named a principal, so a certificate issued for
 * `stranger` that also carried `CN=operator` (a CA vetting one CN of a request copies the
 * others) could block accounts as the operator.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PeerCertificate } from "node:tls";
import { create } from "@bufbuild/protobuf";
import { status, type ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary, type ConnectOptions } from "../../src/client/index.js";
import { AccountId } from "../../src/param/index.js";
import { certificateNames, UNAUTHENTICATED_TEXTS } from "../../src/server/security/authenticator.js";
import { Credentials, startSecureHarness, type SecureHarness } from "./secure-harness.js";

let serial = 70_000;
/** A client certificate of the test CA with `subject` as written (openssl -subj, multi-valued RDNs allowed). */
function clientCertificate(creds: Credentials, file: string, subject: string): ConnectOptions {
  const dir = creds.pki.dir;
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${file}.key`]);
  run(["req", "-new", "-key", `${file}.key`, "-out", `${file}.csr`, "-subj", subject, "-multivalue-rdn"]);
  writeFileSync(join(dir, `${file}.ext`), "extendedKeyUsage=clientAuth\n");
  run(["x509", "-req", "-in", `${file}.csr`, "-CA", "test-ca.pem", "-CAkey", "test-ca.key", "-set_serial", String(serial++), "-out", `${file}.pem`, "-days", "2", "-extfile", `${file}.ext`]);
  return { rootCa: creds.ca.cert, clientCert: readFileSync(join(dir, `${file}.pem`)), clientKey: readFileSync(join(dir, `${file}.key`)) };
}

async function outcome(p: Promise<unknown>): Promise<{ code: number; details?: string }> {
  try {
    await p;
    return { code: status.OK };
  } catch (e) {
    return { code: (e as ServiceError).code, details: (e as ServiceError).details };
  }
}

describe("a client certificate with more than one CN", () => {
  let creds: Credentials;
  let h: SecureHarness;
  beforeAll(async () => {
    creds = new Credentials();
    h = await startSecureHarness(creds.security({}, { tokensFile: undefined }));
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });
  const block = (o: ConnectOptions) => outcome(callUnary(h.connect(o).admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId: 77n, reason: "two names" })));
  const refused = { code: status.UNAUTHENTICATED, details: "the client certificate's subject holds more than one CN, so it names no principal: issue it with one" };

  it("two CN attributes, the second naming the operator: UNAUTHENTICATED, and nothing is blocked", async () => {
    expect(await block(clientCertificate(creds, "two-cn", "/CN=stranger/CN=operator"))).toEqual(refused);
    expect(await block(clientCertificate(creds, "two-cn-first", "/CN=operator/CN=stranger"))).toEqual(refused);
    expect(h.server.state.engine.accounts().blockOf(AccountId.fromU64(77n))).toBeUndefined();
  });

  it("one multi-valued RDN CN=stranger+CN=operator: UNAUTHENTICATED", async () => {
    expect(await block(clientCertificate(creds, "mv-cn", "/CN=stranger+CN=operator"))).toEqual(refused);
  });

  it("a single CN naming the operator still is the operator", async () => {
    expect(await block(clientCertificate(creds, "one-cn", "/O=desk/CN=operator"))).toEqual({ code: status.OK });
  });

  it("certificateNames: one CN is the name; two, or none, name nobody", () => {
    expect(certificateNames({ subject: { CN: "operator" } } as unknown as PeerCertificate, "commonName")).toEqual(["operator"]);
    expect(certificateNames({ subject: { CN: ["stranger", "operator"] } } as unknown as PeerCertificate, "commonName")).toEqual([]);
    expect(certificateNames({ subject: {} } as unknown as PeerCertificate, "commonName")).toEqual([]);
  });
});
