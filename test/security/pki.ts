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

  /** A self-signed CA named `name` (files `<file>.pem`, `<file>.key`); `file` lets two CAs share a name. */
  ca(name: string, options: { file?: string; rsa?: boolean } = {}): Pem {
    const file = options.file ?? name;
    if (options.rsa) openssl(["genrsa", "-out", `${file}.key`, "2048"], this.dir);
    else openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${file}.key`], this.dir);
    openssl(["req", "-x509", "-new", "-key", `${file}.key`, "-out", `${file}.pem`, "-days", "2", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], this.dir);
    return this.pem(file);
  }

  /**
   * A CRL (PEM file `<out>`) signed by the CA of files `ca` (`.pem`, `.key`), listing the
   * certificates of files `revoked`; `digest` is its signature's hash. Returns its path.
   */
  crl(ca: string, revoked: readonly string[], out: string, digest = "sha256"): string {
    // `openssl ca` keeps its revocations in a database: a fresh one per CRL, so each lists exactly `revoked`.
    const db = join(this.dir, `${out}.db`);
    rmSync(db, { recursive: true, force: true });
    mkdirSync(db);
    writeFileSync(join(db, "index.txt"), "");
    writeFileSync(join(db, "crlnumber"), "01\n");
    const cnf = join(db, "ca.cnf");
    writeFileSync(cnf, `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}/index.txt\ncrlnumber = ${db}/crlnumber\ndefault_md = ${digest}\ndefault_crl_days = 2\n`);
    const signer = ["-config", cnf, "-keyfile", `${ca}.key`, "-cert", `${ca}.pem`];
    for (const file of revoked) openssl(["ca", ...signer, "-revoke", `${file}.pem`], this.dir);
    openssl(["ca", ...signer, "-gencrl", "-out", out], this.dir);
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

  /** A leaf certificate signed by `ca`; `server` makes it valid for 127.0.0.1 and localhost. */
  leaf(ca: string, name: string, kind: "server" | "client", file = name): Pem {
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${file}.key`], this.dir);
    openssl(["req", "-new", "-key", `${file}.key`, "-out", `${file}.csr`, "-subj", `/CN=${name}`], this.dir);
    const ext =
      kind === "server"
        ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        : `subjectAltName=URI:spiffe://openpit.test/${name}\nextendedKeyUsage=clientAuth\n`;
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
