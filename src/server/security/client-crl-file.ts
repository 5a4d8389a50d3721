/**
 * `security.tls.clientCrlFile` read at start and watched: a CRL that does not parse, or that
 * no CA of `clientCaFile` signed, refuses the start (ConfigError naming the field); later, a
 * bad read keeps the CRL in force (watched-file.ts). Each read verifies against the CA
 * bundle as it is on disk then, so a CA renewed in `clientCaFile` can sign the next CRL.
 * The bundle is also what client certificate paths are built from (certificate-path.ts), so
 * both files are watched: a CA added to `clientCaFile` is used for paths at the next read,
 * without a new CRL (the same CRLs read again are the same CRLs, never "older").
 * A reload is also refused when it would put an older CRL of an issuer in place of the one in
 * force (a lower cRLNumber, RevocationList.parse): a validly signed old CRL put back would
 * un-revoke what the newer one revoked. At start nothing is in force: any CRL that verifies
 * is taken.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/load-config.js";
import { RevocationList } from "./crl.js";
import type { TlsConfig } from "./security-config.js";
import { WatchedFile, readWhole, type WatchedFileEvents } from "./watched-file.js";

/** Between the CRL file's text and the CA bundle's in what is watched: PEM never holds a NUL. */
const BETWEEN = "\u0000";

export function clientCrlFile(tls: TlsConfig & { clientCrlFile: string; clientCaFile: string }, events: WatchedFileEvents<RevocationList>): WatchedFile<RevocationList> {
  const { clientCrlFile: crlFile, clientCaFile: caFile } = tls;
  /** `both`: the CRL file's text, BETWEEN, the CA bundle's. */
  const parse = (both: string, inForce?: RevocationList): RevocationList => {
    const at = both.indexOf(BETWEEN);
    return RevocationList.parse(both.slice(0, at), both.slice(at + 1), inForce);
  };
  const readAtStart = (file: string): string => {
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`security.tls.clientCrlFile: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  const text = `${readAtStart(crlFile)}${BETWEEN}${readAtStart(caFile)}`;
  let value: RevocationList;
  try {
    value = parse(text);
  } catch (e) {
    throw new ConfigError(`security.tls.clientCrlFile: ${crlFile} (checked against ${caFile}): ${(e as Error).message}`);
  }
  const readBoth = async (): Promise<string> => `${await readWhole(crlFile)}${BETWEEN}${await readWhole(caFile)}`;
  const watched: WatchedFile<RevocationList> = new WatchedFile(crlFile, { text, value }, (t) => parse(t, watched.current), `client CRL reload refused, the CRL in force stays (${crlFile})`, events, readBoth);
  return watched;
}
