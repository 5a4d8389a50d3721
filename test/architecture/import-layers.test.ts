/**
 * The layers point one way (README "Layout"): the engine, the policies and the value types
 * are a library that runs in-process too, so they import neither gRPC, nor generated code,
 * nor Node I/O; the domain layers below the server import nothing of the server's. Checked
 * here on every source file's import specifiers, so that a shortcut across a layer fails the
 * suite instead of waiting for a reviewer (the replication layer imported two server modules
 * for their interfaces until session 41).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

/** For each folder of src/: the other folders and the packages its files may import. */
const ALLOWED: Record<string, { readonly layers: readonly string[]; readonly packages: readonly string[] }> = {
  param: { layers: [], packages: ["decimal.js"] },
  model: { layers: ["param"], packages: ["decimal.js"] },
  engine: { layers: ["param", "model"], packages: ["decimal.js"] },
  marketdata: { layers: ["param", "model", "engine"], packages: ["decimal.js"] },
  policies: { layers: ["param", "model", "engine", "marketdata"], packages: ["decimal.js"] },
  json: { layers: [], packages: ["decimal.js"] },
  state: { layers: ["param", "model", "engine", "marketdata", "policies", "version.ts"], packages: ["decimal.js", "node:*"] },
  replication: { layers: ["param", "model", "state"], packages: ["node:*", "@nats-io/*"] },
  transport: { layers: [], packages: ["node:*", "@grpc/grpc-js", "@bufbuild/protobuf", "gen"] },
  client: { layers: ["transport"], packages: ["node:*", "@grpc/grpc-js", "@bufbuild/protobuf", "gen"] },
  cli: { layers: ["client", "transport", "json", "state", "version.ts"], packages: ["node:*", "@grpc/grpc-js", "@bufbuild/protobuf", "gen"] },
  server: {
    layers: ["param", "model", "engine", "marketdata", "policies", "state", "replication", "transport", "json", "version.ts"],
    packages: ["node:*", "@grpc/grpc-js", "@bufbuild/protobuf", "gen", "pino", "prom-client", "decimal.js"],
  },
};

/** Import and re-export specifiers of a module's source (static `from`, side-effect, dynamic). */
function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gms,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const p of patterns) for (const m of source.matchAll(p)) found.push(m[1]!);
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith(".ts") ? [full] : [];
  });
}

/** What a specifier names: a folder of src/ (or a file at its top), `gen`, or a package. */
function target(fromFile: string, spec: string): { layer: string } | { pkg: string } {
  if (!spec.startsWith(".")) {
    const parts = spec.split("/");
    return { pkg: spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]! };
  }
  const resolved = path.relative(SRC, path.resolve(path.dirname(fromFile), spec));
  if (resolved.startsWith("..")) {
    const outside = resolved.split(path.sep)[1]!;
    return outside === "gen" ? { pkg: "gen" } : { layer: `../${outside}` };
  }
  const first = resolved.split(path.sep)[0]!;
  return { layer: first.replace(/\.js$/, ".ts") };
}

function allowedPackage(pkg: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => a === pkg || (a.endsWith("/*") && pkg.startsWith(a.slice(0, -1))) || (a === "node:*" && pkg.startsWith("node:")));
}

/** Every import of src/<layer>/ that its layer may not make, as `file imports spec`. */
function violations(): string[] {
  const out: string[] = [];
  for (const [layer, rule] of Object.entries(ALLOWED)) {
    for (const file of sourceFiles(path.join(SRC, layer))) {
      for (const spec of importSpecifiers(fs.readFileSync(file, "utf8"))) {
        const t = target(file, spec);
        const ok = "pkg" in t ? allowedPackage(t.pkg, rule.packages) : t.layer === layer || rule.layers.includes(t.layer);
        if (!ok) out.push(`${path.relative(SRC, file)} imports ${spec}`);
      }
    }
  }
  return out;
}

describe("import layers", () => {
  it("every folder of src/ has a rule, or is the composition root", () => {
    const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !(f in ALLOWED) && f !== "app").sort()).toEqual([]);
  });

  it("no layer imports across the rules", () => {
    expect(violations()).toEqual([]);
  });

  it("reads the import forms the sources use", () => {
    const source = [
      `import { a } from "../server/x.js";`,
      `import type {\n  B,\n  C,\n} from "../gen/y.js";`,
      `export { d } from "./d.js";`,
      `import "node:fs";`,
      `const m = await import("@grpc/grpc-js");`,
      ` * a comment naming import { e } from "../no.js" is not an import`,
    ].join("\n");
    expect(importSpecifiers(source).sort()).toEqual(["../gen/y.js", "../server/x.js", "./d.js", "@grpc/grpc-js", "node:fs"].sort());
  });
});
