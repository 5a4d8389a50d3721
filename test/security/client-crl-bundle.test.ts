/**
 * The client CRL's watch covers clientCaFile too (src/server/security/client-crl-file.ts):
 * client certificate paths are built from the bundle the CRL in force was read with, so a CA
 * added to clientCaFile while running must be used at the next read, without a new CRL.
 * Before, the CRL was re-parsed only when its own text changed: the new CA's clients were
 * refused as revoked (no path) while the CRL listed anybody, until the CA published a CRL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { appendFileSync, copyFileSync, readFileSync, unlinkSync } from "node:fs";
import { certificatePath } from "../../src/server/security/certificate-path.js";
import { clientCrlFile } from "../../src/server/security/client-crl-file.js";
import type { RevocationList } from "../../src/server/security/crl.js";
import { TestPki } from "./pki.js";

describe("the client CRL watches clientCaFile with the CRL file", () => {
  let pki: TestPki;
  let bundle: string;
  let crl: string;
  const leafOf = (file: string): Buffer => new X509Certificate(readFileSync(pki.path(`${file}.pem`))).raw;

  beforeAll(() => {
    pki = new TestPki();
    pki.ca("root-a");
    pki.ca("root-b");
    pki.leaf("root-a", "alice", "client");
    pki.leaf("root-a", "mallory", "client");
    pki.leaf("root-b", "bob", "client");
    bundle = pki.path("bundle.pem");
    copyFileSync(pki.path("root-a.pem"), bundle);
    // A CRL that lists somebody: paths are built (and needed) only then.
    crl = pki.crl("root-a", ["mallory"], "root-a.crl");
  });
  afterAll(() => pki.remove());

  it("a CA added to clientCaFile is used for paths at the next read; the CRL in force is the same", async () => {
    const replaced: RevocationList[] = [];
    const refused: string[] = [];
    const watched = clientCrlFile(
      { clientCrlFile: crl, clientCaFile: bundle, refreshIntervalMs: 60_000, requireClientCertificate: true } as never,
      { replaced: (v) => replaced.push(v), refused: (m) => refused.push(m) },
    );
    expect(certificatePath(leafOf("bob"), watched.current.bundle, [])).toBeUndefined();
    expect(certificatePath(leafOf("alice"), watched.current.bundle, [])).toHaveLength(2);

    appendFileSync(bundle, readFileSync(pki.path("root-b.pem")));
    await watched.reload();

    expect(refused).toEqual([]);
    expect(replaced).toHaveLength(1);
    expect(certificatePath(leafOf("bob"), watched.current.bundle, [])).toHaveLength(2);
    // The CRL itself is unchanged: mallory stays revoked, alice not.
    expect(watched.current.revokes(leafOf("mallory"))).toBe(true);
    expect(watched.current.revokes(leafOf("alice"))).toBe(false);

    // Nothing changed: no new value.
    await watched.reload();
    expect(replaced).toHaveLength(1);
  });

  it("an unreadable clientCaFile keeps the CRL in force, naming that file", async () => {
    const refused: string[] = [];
    const watched = clientCrlFile({ clientCrlFile: crl, clientCaFile: bundle, refreshIntervalMs: 60_000, requireClientCertificate: true } as never, {
      refused: (m) => refused.push(m),
    });
    const before = watched.current;
    const saved = readFileSync(bundle);
    unlinkSync(bundle);
    try {
      await watched.reload();
    } finally {
      appendFileSync(bundle, saved);
    }
    expect(watched.current).toBe(before);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(new RegExp(`^client CRL reload refused, the CRL in force stays \\(${crl.replace(/[.]/g, "\\.")}\\): cannot read ${bundle.replace(/[.]/g, "\\.")}: ENOENT`));
  });
});
