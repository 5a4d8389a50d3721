/**
 * The generated clients' end-to-end tests need Debian toolchains. CI must have them
 * (.ci/run installs them): there a missing one fails the suite. On a developer machine
 * the test is skipped with what is missing and how to install it.
 */
import { existsSync } from "node:fs";

/** The paths of `paths` that do not exist, as one line (undefined when all are there). */
export function missingPaths(paths: readonly string[]): string | undefined {
  const missing = paths.filter((p) => !existsSync(p));
  return missing.length > 0 ? `missing ${missing.join(", ")}` : undefined;
}

/** True when the client's test can run; throws in CI when it cannot. */
export function toolchainReady(client: string, missing: string | undefined, packages: string): boolean {
  if (missing === undefined) return true;
  if (process.env.CI) throw new Error(`CI must run the ${client} client (.ci/run installs ${packages}): ${missing}`);
  console.warn(`skipping the ${client} client test: ${missing} (apt-get install ${packages})`);
  return false;
}
