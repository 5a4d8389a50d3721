/**
 * Found by review (session 29, of this session's own fixes), fixed.
 * Probe (review of 4ffd9b6e): SIGHUP (SecuritySetup.reloadCredentials) re-reads the TLS
 * certificate files through CertificateFiles.refresh(), which returns the read already under
 * way. A SIGHUP sent right after a renewal, while an earlier read (the interval's, or an
 * earlier SIGHUP's) had already read the old files, resolves on the old contents: the renewed
 * certificate is NOT in force when reloadCredentials resolves, unlike the tokens file
 * (WatchedFile.reload chains one more read for exactly this case).
 *
 * Deterministic: node:fs/promises.readFile is wrapped so the first read's results are held
 * until the test releases them (they were read before the files changed).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { copyFileSync } from "node:fs";

const gate = vi.hoisted(() => {
  const g = {
    holding: false,
    readsDone: 0,
    release: undefined as (() => void) | undefined,
    released: undefined as Promise<void> | undefined,
  };
  return g;
});

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const readFile = async (...args: Parameters<typeof actual.readFile>) => {
    const held = gate.holding;
    const r = await actual.readFile(...args);
    if (held) {
      gate.readsDone++;
      await gate.released;
    }
    return r;
  };
  return { ...actual, default: { ...actual, readFile }, readFile };
});

import { SecuritySetup } from "../../src/server/security/security-setup.js";
import { DEFAULT_SECURITY } from "../../src/server/security/security-config.js";
import { Credentials } from "./secure-harness.js";

describe("SIGHUP right after a certificate renewal, while a read of the files is under way", () => {
  let creds: Credentials;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());

  it("reloadCredentials resolves with the renewed certificate in force", async () => {
    const cert = creds.pki.path("r-served.pem");
    const key = creds.pki.path("r-served.key");
    copyFileSync(creds.server.certFile, cert);
    copyFileSync(creds.server.keyFile, key);
    const setup = new SecuritySetup({ ...DEFAULT_SECURITY, tls: { certFile: cert, keyFile: key, requireClientCertificate: false, refreshIntervalMs: 3_600_000 } });
    let renewals = 0;
    setup.listen("127.0.0.1:0", { renewed: () => renewals++ });

    // A re-read starts (the interval's, or a first SIGHUP) and reads the old files.
    gate.released = new Promise<void>((r) => (gate.release = r));
    gate.holding = true;
    const earlier = setup.reloadCredentials();
    gate.holding = false;
    while (gate.readsDone < 2) await new Promise((r) => setImmediate(r));

    // The operator renews the certificate and key, then sends SIGHUP.
    const renewed = creds.pki.leaf("test-ca", "127.0.0.1", "server", "r-renewed");
    copyFileSync(renewed.certFile, cert);
    copyFileSync(renewed.keyFile, key);
    const hangup = setup.reloadCredentials();

    gate.release!();
    await hangup;
    await earlier;
    const afterHangup = renewals;
    // Control: one more reload does see the renewed files (they are valid).
    await setup.reloadCredentials();
    // Expected: the SIGHUP that came after the renewal put it in force ({1, 1}).
    // Observed: {afterHangup: 0, afterAnotherReload: 1}.
    expect({ afterHangup, afterAnotherReload: renewals }).toEqual({ afterHangup: 1, afterAnotherReload: 1 });
  });
});
