#!/usr/bin/env node
// `npx openpit …`: the operator CLI (src/cli/). Like `npm start`, it runs the TypeScript
// sources through tsx's loader (a dependency), so there is no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
