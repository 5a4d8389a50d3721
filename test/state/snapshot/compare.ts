/** Comparison helpers for the snapshot tests: encoded state and operation logs, with a readable first difference. */
import { expect } from "vitest";
import { toPlain } from "../../../src/state/plain-data.js";

const text = new TextDecoder();

/** One observable result as a canonical string (decimals with their scale, bigints, Maps, locks). */
export function render(value: unknown): string {
  return JSON.stringify(toPlain(value));
}

/** Encoded snapshots must be the same bytes; on failure, show where they part. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const a = text.decode(actual);
  const b = text.decode(expected);
  if (a === b) return;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  expect.fail(`${what} differ at char ${i}:\n  got      …${a.slice(Math.max(0, i - 200), i + 200)}\n  expected …${b.slice(Math.max(0, i - 200), i + 200)}`);
}

/** Two runs' logs must agree operation by operation; on failure, name the first one that did not. */
export function expectSameLog(actual: readonly string[], expected: readonly string[], ops: readonly unknown[], offset: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      expect.fail(`${what}: operation ${offset + i} ${JSON.stringify(ops[offset + i])}\n  got      ${actual[i]}\n  expected ${expected[i]}`);
    }
  }
}
