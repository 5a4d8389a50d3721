/**
 * A key named `__proto__` survives the journal's and the snapshots' codec as an own key.
 * `JSON.parse` makes such keys: a ConfigurePolicy whose settings JSON holds one is refused
 * live (unknown field) and journaled as it came. The codec assigned `out[k] = …`, which for
 * `__proto__` sets the prototype and drops the key, so the record held settings the operator
 * never sent and the replay applied them. (Found by review.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { shownSettingsJson } from "../../src/policies/catalog.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import { durableConfig, startState } from "./durable-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("a __proto__ key", () => {
  it("round-trips through the plain-data codec as an own key, at any depth", () => {
    const value = JSON.parse('{"__proto__":{"x":"1"},"a":{"__proto__":[1,2]},"b":[{"__proto__":null}]}');
    const back = decodePlain(encodePlain(value)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__", "a", "b"]);
    expect(JSON.stringify(back)).toBe('{"__proto__":{"x":"1"},"a":{"__proto__":[1,2]},"b":[{"__proto__":null}]}');
  });

  it("in ConfigurePolicy settings is refused live and stays refused after a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "openpit-proto-key-"));
    dirs.push(dataDir);
    const config = durableConfig(dataDir);
    const { state } = await startState(config);
    const policyName = state.engine.policies.find((p) => p.constructor.name === "OrderSizeLimitPolicy")!.name;
    const shown = (s = state) => JSON.stringify(shownSettingsJson(s.engine.policy(policyName)!));
    const before = shown();
    // As the admin service decodes settings_json: JSON.parse, so "__proto__" is an own key.
    const settings = JSON.parse('{"__proto__":{},"broker":{"maxQuantity":"7","maxNotional":"70"}}');
    expect(() => state.admin({ kind: "configurePolicy", policy: policyName, settings })).toThrow(/__proto__/);
    expect(shown()).toBe(before);
    await state.journal.flush();
    await state.journal.close();

    const { state: back } = await startState(config, 2_000);
    // The replay fails it the same way: the settings are what they were.
    expect(shown(back)).toBe(before);
    await back.journal.close();
  });
});
