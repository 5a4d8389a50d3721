import { describe, expect, it } from "vitest";
import { DecimalValue } from "../../src/param/decimal-value.js";
import { CashFlow, Fee, Notional, Pnl, PositionSize, Price, Quantity, Volume } from "../../src/param/index.js";

/**
 * The value classes carry their name as a static getter (see `DecimalValue.name`): under
 * tsx a class without one gets `name` redefined by the loader, and V8 then stops optimising
 * the construction of its instances. The getter must stay, and say the class's own name.
 */
describe("value class names", () => {
  const classes = { DecimalValue, Price, Quantity, Volume, Notional, Pnl, Fee, CashFlow, PositionSize };
  for (const [name, cls] of Object.entries(classes)) {
    it(`${name} has its own static name getter`, () => {
      const descriptor = Object.getOwnPropertyDescriptor(cls, "name");
      expect(descriptor?.get).toBeTypeOf("function");
      expect(descriptor?.value).toBeUndefined();
      expect(cls.name).toBe(name);
    });
  }
});
