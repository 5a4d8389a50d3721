/**
 * The server-built certificate path (src/server/security/certificate-path.ts): issuers from
 * clientCaFile first, then what the client sent, each signature verified, ending at a
 * self-issued certificate of clientCaFile; none, and the chain cannot be checked.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { certificatePath, MAX_DEPTH, MAX_SENT, MAX_VERIFICATIONS } from "../../src/server/security/certificate-path.js";
import { RevocationList } from "../../src/server/security/crl.js";
import { TestPki } from "./pki.js";

describe("building the client certificate's path", () => {
  let pki: TestPki;
  const text = (file: string): string => readFileSync(file.startsWith("/") ? file : pki.path(file), "utf8");
  const der = (file: string): Buffer => new X509Certificate(readFileSync(pki.path(`${file}.pem`))).raw;
  const certs = (...files: string[]): X509Certificate[] => files.map((f) => new X509Certificate(der(f)));
  const ossl = (args: string[]) => execFileSync("openssl", args, { cwd: pki.dir, stdio: ["ignore", "ignore", "pipe"] });
  /** A certificate named `name`, carrying the public key of `keyOf`, signed by `ca`, with the extensions `ext`. */
  function forge(name: string, keyOf: string, ca: string, file: string, ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"): void {
    ossl(["x509", "-in", `${keyOf}.pem`, "-pubkey", "-noout", "-out", `${file}.pub`]);
    ossl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${file}.key`]);
    ossl(["req", "-new", "-key", `${file}.key`, "-out", `${file}.csr`, "-subj", `/CN=${name}`]);
    writeFileSync(pki.path(`${file}.ext`), ext);
    ossl(["x509", "-req", "-in", `${file}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-force_pubkey", `${file}.pub`, "-set_serial", "99", "-days", "2", "-extfile", `${file}.ext`, "-out", `${file}.pem`]);
  }

  beforeAll(() => {
    pki = new TestPki();
    // root → int1 → int2 → leaf; "other" a CA clientCaFile does not hold.
    pki.ca("root");
    pki.intermediate("root", "int1");
    pki.intermediate("int1", "int2");
    pki.leaf("int2", "deep", "client", "leaf");
    pki.leaf("root", "direct", "client", "direct");
    pki.ca("other");
    // A root rollover's cross-certificate: G2's name and key, signed by G1.
    pki.ca("g1");
    pki.ca("g2");
    ossl(["req", "-new", "-key", "g2.key", "-out", "cross.csr", "-subj", "/CN=g2"]);
    writeFileSync(pki.path("cross.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    ossl(["x509", "-req", "-in", "cross.csr", "-CA", "g1.pem", "-CAkey", "g1.key", "-set_serial", "777", "-days", "2", "-extfile", "cross.ext", "-out", "cross.pem"]);
    pki.leaf("g2", "g2-client", "client", "g2-client");
  });
  afterAll(() => pki.remove());

  for (const revoked of [[], ["int1"]]) {
    it(`root → int1 → int2 → leaf, int1 in clientCaFile, the client sending both intermediates: ${revoked.length ? "refused at int1 when the root's CRL lists it" : "admitted when nothing is revoked"}`, () => {
      // The CRLs of the CAs of clientCaFile (root + int1): the root's may list int1.
      const crls = text(pki.crl("root", revoked, `root-${revoked.length}.crl`)) + text(pki.crl("int1", [], `int1-${revoked.length}.crl`));
      const list = RevocationList.parse(crls, text("root.pem") + text("int1.pem"));
      expect(list.empty).toBe(revoked.length === 0);
      const path = certificatePath(der("leaf"), list.bundle, [der("leaf"), der("int2"), der("int1")]);
      expect(path).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
      expect(list.revokedInChain(path!)).toBe(revoked.length ? 2 : -1);
    });
  }

  it("legitimate chains: leaf + intermediates sent with the root in clientCaFile; a leaf of the root; the order the client sends does not matter", () => {
    const bundle = certs("root");
    expect(certificatePath(der("leaf"), bundle, [der("leaf"), der("int2"), der("int1")])).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
    expect(certificatePath(der("leaf"), bundle, [der("int1"), der("leaf"), der("int2")])).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
    expect(certificatePath(der("direct"), bundle, [der("direct")])).toEqual([der("direct"), der("root")]);
  });

  it("no path to a self-issued certificate of clientCaFile: undefined (an intermediate missing, a leaf of another CA, a bundle without its root)", () => {
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2")])).toBeUndefined();
    expect(certificatePath(der("leaf"), certs("other"), [der("leaf"), der("int2"), der("int1")])).toBeUndefined();
    // int1 alone in the bundle is no trust anchor (not self-issued), and the root is nowhere.
    expect(certificatePath(der("leaf"), certs("int1"), [der("leaf"), der("int2")])).toBeUndefined();
    expect(MAX_DEPTH).toBeGreaterThanOrEqual(4);
  });

  it("a same-named certificate carrying the intermediate's key, signed by a CA outside clientCaFile: never on the path; the real int1 of clientCaFile is taken", () => {
    forge("int1", "int1", "other", "forged-int1");
    // The forged one verifies int2's signature (same key) but leads to "other", not in the bundle.
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2"), der("forged-int1")])).toBeUndefined();
    expect(certificatePath(der("leaf"), certs("root", "int1"), [der("leaf"), der("int2"), der("forged-int1")])).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
    // A same-named certificate of another key does not verify int2's signature.
    forge("int1", "other", "root", "int1-other-key");
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2"), der("int1-other-key")])).toBeUndefined();
  });

  it("a certificate the client sent that is no CA is not an issuer on the path, though its signature verifies", () => {
    // int2's name and key, signed by the root, without basicConstraints cA: the handshake would not go through it.
    forge("int2", "int2", "root", "int2-not-ca", "basicConstraints=critical,CA:FALSE\n");
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2-not-ca")])).toBeUndefined();
  });

  it("a certificate of the path not valid now is skipped", () => {
    const later = Date.now() + 10 * 86_400_000; // after every certificate here expires
    expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2"), der("int1")], later)).toBeUndefined();
  });

  describe("the search is bounded (it runs on the event loop for any client the handshake admitted)", () => {
    /** `n` certificates named int2 carrying int2's public key, each signed by a CA named int2 outside clientCaFile: each verifies the leaf. */
    function sameNamed(n: number): Buffer[] {
      pki.ca("int2", { file: "impostor" });
      const ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n";
      return Array.from({ length: n }, (_, i) => {
        forge("int2", "int2", "impostor", `same-${i}`, ext);
        return der(`same-${i}`);
      });
    }
    let crowd: Buffer[];
    // Some twenty openssl runs: past vitest's 10 s default for a hook on a loaded two-core machine.
    beforeAll(() => {
      crowd = sameNamed(MAX_SENT);
    }, 120_000);

    it(`more than ${MAX_SENT} certificates sent: no path is looked for`, () => {
      const verify = vi.spyOn(X509Certificate.prototype, "verify");
      try {
        expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), ...crowd, der("int2"), der("int1")])).toBeUndefined();
        expect(verify).not.toHaveBeenCalled();
      } finally {
        verify.mockRestore();
      }
    });

    it(`at most ${MAX_VERIFICATIONS} signature checks, then no path (before the bound, every pair of the crowd was checked)`, () => {
      const sent = [...crowd.slice(0, MAX_SENT - 2), der("int2"), der("int1")];
      expect(sent).toHaveLength(MAX_SENT);
      const verify = vi.spyOn(X509Certificate.prototype, "verify");
      try {
        expect(certificatePath(der("leaf"), certs("root"), sent)).toBeUndefined();
        // The checks of the path's links, plus at most one self-signature per anchor looked at.
        expect(verify.mock.calls.length).toBeLessThanOrEqual(MAX_VERIFICATIONS + 1);
        expect(verify.mock.calls.length).toBeGreaterThan(MAX_DEPTH);
      } finally {
        verify.mockRestore();
      }
      // The honest client's chain, within the bounds, is found as before.
      expect(certificatePath(der("leaf"), certs("root"), [der("leaf"), der("int2"), der("int1")])).toEqual([der("leaf"), der("int2"), der("int1"), der("root")]);
    });
  });

  for (const order of [["cross", "g1", "g2"], ["g2", "g1", "cross"]]) {
    it(`a root that is also cross-signed (clientCaFile ${order.join(", ")}): its client's path ends at the root itself, not through the cross-certificate its signer's CRL lists`, () => {
      const bundle = order.map((f) => text(`${f}.pem`)).join("");
      const list = RevocationList.parse(text(pki.crl("g1", ["cross"], `g1-${order[0]}.crl`)) + text(pki.crl("g2", [], `g2-${order[0]}.crl`)), bundle);
      expect(list.revokes(der("cross"))).toBe(true);
      const path = certificatePath(der("g2-client"), list.bundle, [der("g2-client")]);
      expect(path).toEqual([der("g2-client"), der("g2")]);
      expect(list.revokedInChain(path!)).toBe(-1);
    });
  }

  it("only checks against certificates the client sent count against the bound: a bundle of more same-named roots than the bound still serves the last one's clients", () => {
    const roots = Array.from({ length: MAX_VERIFICATIONS + 4 }, (_, i) => pki.ca("many", { file: `many-${i}` }));
    const last = `many-${roots.length - 1}`;
    pki.leaf(last, "many-client", "client", "many-client");
    const bundle = roots.map((r) => new X509Certificate(r.cert));
    expect(certificatePath(der("many-client"), bundle, [der("many-client")])).toEqual([der("many-client"), der(last)]);
  });

  it("a self-issued CA of clientCaFile that is not self-signed (a rollover's new key signed by the old) is an intermediate of the path, which a CRL may list", () => {
    pki.ca("R", { file: "old-r" });
    // New key, name R, signed by the old root's key: self-issued, not self-signed.
    execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "nwo.key"], { cwd: pki.dir, stdio: "ignore" });
    execFileSync("openssl", ["req", "-new", "-key", "nwo.key", "-out", "nwo.csr", "-subj", "/CN=R"], { cwd: pki.dir, stdio: "ignore" });
    writeFileSync(pki.path("nwo.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    execFileSync("openssl", ["x509", "-req", "-in", "nwo.csr", "-CA", "old-r.pem", "-CAkey", "old-r.key", "-set_serial", "4242", "-days", "2", "-extfile", "nwo.ext", "-out", "nwo.pem"], { cwd: pki.dir, stdio: "ignore" });
    pki.leaf("nwo", "rolled", "client", "rolled");
    const list = RevocationList.parse(text(pki.crl("old-r", ["nwo"], "old-r.crl")), text("old-r.pem") + text("nwo.pem"));
    const path = certificatePath(der("rolled"), list.bundle, [der("rolled")]);
    expect(path).toEqual([der("rolled"), der("nwo"), der("old-r")]);
    expect(list.revokedInChain(path!)).toBe(1);
  });
});
