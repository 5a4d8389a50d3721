/**
 * `security.tls.clientCrlFile` read at start and watched: a CRL that does not parse, or that
 * no CA of `clientCaFile` signed, refuses the start (ConfigError naming the field); later, a
 * bad read keeps the CRL in force (watched-file.ts). Each read verifies against the CA
 * bundle as it is on disk then, so a CA renewed in `clientCaFile` can sign the next CRL.
 * A reload is also refused when it would put an older CRL of an issuer in place of the one in
 * force (a lower cRLNumber, RevocationList.parse): a validly signed old CRL put back would
 * un-revoke what the newer one revoked. At start nothing is in force: any CRL that verifies
 * is taken.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/load-config.js";
import { RevocationList } from "./crl.js";
import type { TlsConfig } from "./security-config.js";
import { WatchedFile, type WatchedFileEvents } from "./watched-file.js";

export function clientCrlFile(tls: TlsConfig & { clientCrlFile: string; clientCaFile: string }, events: WatchedFileEvents<RevocationList>): WatchedFile<RevocationList> {
  const crlFile = tls.clientCrlFile;
  const parse = (text: string, inForce?: RevocationList): RevocationList => RevocationList.parse(text, readFileSync(tls.clientCaFile, "utf8"), inForce);
  let text: string;
  try {
    text = readFileSync(crlFile, "utf8");
  } catch (e) {
    throw new ConfigError(`security.tls.clientCrlFile: cannot read ${crlFile}: ${(e as Error).message}`);
  }
  let value: RevocationList;
  try {
    value = parse(text);
  } catch (e) {
    throw new ConfigError(`security.tls.clientCrlFile: ${crlFile} (checked against ${tls.clientCaFile}): ${(e as Error).message}`);
  }
  const watched: WatchedFile<RevocationList> = new WatchedFile(crlFile, { text, value }, (t) => parse(t, watched.current), `client CRL reload refused, the CRL in force stays (${crlFile})`, events);
  return watched;
}
