/**
 * A throw-away PKI made with `openssl` in a temp dir: a test CA, a server certificate for
 * 127.0.0.1/localhost, client certificates by common name (with a URI SAN
 * `spiffe://openpit.test/<name>`), a second CA nobody trusts, and CRLs. EC P-256 keys: fast
 * (RSA on request, for the CRL signature algorithms).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pem {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), "openpit-pki-"));
  private serial = 1;
  /** The last cRLNumber given to a CRL of each CA (by its files), so each CA's next CRL is newer. */
  private readonly crlNumbers = new Map<string, number>();

  /**
   * A self-signed CA named `name` (files `<file>.pem`, `<file>.key`); `file` lets two CAs share
   * a name. `keyUsage`: the extension's value (default `critical,keyCertSign,cRLSign`), or
   * `null` for a CA without the extension.
   */
  ca(name: string, options: { file?: string; rsa?: boolean; keyUsage?: string | null } = {}): Pem {
    const file = options.file ?? name;
    if (options.rsa) openssl(["genrsa", "-out", `${file}.key`, "2048"], this.dir);
    else openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${file}.key`], this.dir);
    const req = ["req", "-x509", "-new", "-key", `${file}.key`, "-out", `${file}.pem`, "-days", "2", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE"];
    const keyUsage = options.keyUsage === undefined ? "critical,keyCertSign,cRLSign" : options.keyUsage;
    openssl(keyUsage === null ? req : [...req, "-addext", `keyUsage=${keyUsage}`], this.dir);
    return this.pem(file);
  }

  /**
   * A CRL (PEM file `<out>`) signed by the CA of files `ca` (`.pem`, `.key`), listing the
   * certificates of files `revoked`. Returns its path. Options: `digest`, its signature's
   * hash; `number`, its cRLNumber (default: one more than the last CRL of this CA made here,
   * so each CRL is newer than the one before, starting at 1; `null`: no cRLNumber
   * extension); `thisUpdate` (YYYYMMDDHHMMSSZ; default: now); `extensions`, CRL extensions
   * beside the cRLNumber, as the lines of an `openssl ca -crlexts` config section (e.g.
   * `2.5.29.27 = critical,DER:02:01:01`, a delta CRL's deltaCRLIndicator), any sections they
   * name following; `reason`, the revocation reason of every entry (`openssl ca -crl_reason`,
   * a non-critical reasonCode entry extension).
   */
  crl(ca: string, revoked: readonly string[], out: string, options: { digest?: string; number?: number | null; thisUpdate?: string; extensions?: string; reason?: string } = {}): string {
    const digest = options.digest ?? "sha256";
    const number = options.number === undefined ? (this.crlNumbers.get(ca) ?? 0) + 1 : options.number;
    if (number !== null) this.crlNumbers.set(ca, Math.max(number, this.crlNumbers.get(ca) ?? 0));
    // `openssl ca` keeps its revocations in a database: a fresh one per CRL, so each lists exactly `revoked`.
    const db = join(this.dir, `${out}.db`);
    rmSync(db, { recursive: true, force: true });
    mkdirSync(db);
    writeFileSync(join(db, "index.txt"), "");
    // `openssl ca` writes the number from its crlnumber file (hex) as the cRLNumber; without the file setting, none.
    if (number !== null) writeFileSync(join(db, "crlnumber"), `${number.toString(16).padStart(2, "0").replace(/^(?=(?:.{2})*.$)/, "0")}\n`);
    const cnf = join(db, "ca.cnf");
    const crlnumber = number === null ? "" : `crlnumber = ${db}/crlnumber\n`;
    const exts = options.extensions === undefined ? "" : `[crl_ext]\n${options.extensions}`;
    writeFileSync(cnf, `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}/index.txt\n${crlnumber}default_md = ${digest}\ndefault_crl_days = 2\n${exts}`);
    const signer = ["-config", cnf, "-keyfile", `${ca}.key`, "-cert", `${ca}.pem`];
    const reason = options.reason === undefined ? [] : ["-crl_reason", options.reason];
    for (const file of revoked) openssl(["ca", ...signer, "-revoke", `${file}.pem`, ...reason], this.dir);
    const lastUpdate = options.thisUpdate === undefined ? [] : ["-crl_lastupdate", options.thisUpdate];
    const crlexts = options.extensions === undefined ? [] : ["-crlexts", "crl_ext"];
    openssl(["ca", ...signer, "-gencrl", ...lastUpdate, ...crlexts, "-out", out], this.dir);
    return this.path(out);
  }

  /** An intermediate CA named `name` (files `<name>.pem`, `<name>.key`) signed by the CA of files `ca`. */
  intermediate(ca: string, name: string): Pem {
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], this.dir);
    openssl(["req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`], this.dir);
    writeFileSync(join(this.dir, `${name}.ext`), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    openssl(
      ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-set_serial", String(this.serial++), "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`],
      this.dir,
    );
    return this.pem(name);
  }

  /**
   * A leaf certificate signed by `ca`; `server` makes it valid for 127.0.0.1 and localhost.
   * `san`: a client certificate's subjectAltName value instead of its SPIFFE URI (e.g. `IP:fd00::5`).
   */
  leaf(ca: string, name: string, kind: "server" | "client", file = name, san = `URI:spiffe://openpit.test/${name}`): Pem {
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${file}.key`], this.dir);
    openssl(["req", "-new", "-key", `${file}.key`, "-out", `${file}.csr`, "-subj", `/CN=${name}`], this.dir);
    const ext =
      kind === "server"
        ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        : `subjectAltName=${san}\nextendedKeyUsage=clientAuth\n`;
    writeFileSync(join(this.dir, `${file}.ext`), ext);
    openssl(
      ["x509", "-req", "-in", `${file}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-set_serial", String(this.serial++), "-out", `${file}.pem`, "-days", "2", "-extfile", `${file}.ext`],
      this.dir,
    );
    return this.pem(file);
  }

  pem(file: string): Pem {
    const certFile = join(this.dir, `${file}.pem`);
    const keyFile = join(this.dir, `${file}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
