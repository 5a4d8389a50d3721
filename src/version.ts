/** The sidecar's version: package.json's, read once (`--version`, the start-up log, openpit_build_info, the journal's writer records). */
import { readFileSync } from "node:fs";

export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
