/** The replay checks' comparison of two doors' states, byte for byte (plain-data encoding). */
import { expect } from "vitest";
import { encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";

/** A state's snapshot as text, its journal position left out (a replay may end elsewhere). */
const stateBytes = (s: { snapshot(): StateSnapshot }): string => Buffer.from(encodePlain({ ...s.snapshot(), sequence: 0n })).toString();

/** Byte-equal states; on a difference, where it starts (the whole text is megabytes). */
export function expectSameState(got: SidecarState, live: SidecarState, what: string): void {
  const a = stateBytes(got);
  const b = stateBytes(live);
  if (a === b) return;
  let i = 0;
  while (a[i] === b[i]) i++;
  expect.fail(`${what}: state differs at ${i}: live …${b.slice(i - 150, i + 150)}… got …${a.slice(i - 150, i + 150)}…`);
}
