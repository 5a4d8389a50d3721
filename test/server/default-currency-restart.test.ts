/**
 * `accounts.defaultCurrency` (group 0's currency) seeds a fresh state only. At a restart on an
 * existing data directory a file naming another currency was passed over without a word, while
 * P&L barriers apply by currency (found by review). The start now warns that the state's stays.
 */
import { describe, expect, it } from "vitest";
import { AccountGroupId } from "../../src/param/index.js";
import { closeObservedAfterEach, startObserved, tempDataDir } from "../observability/observed-sidecar.js";

const currency = (defaultCurrency: string) => ({ accounts: { defaultCurrency } });

describe("the start-up log of accounts.defaultCurrency on an existing data directory", () => {
  closeObservedAfterEach();

  it("warns when the file names another currency than the state's, which stays in force", async () => {
    const dataDir = tempDataDir();
    const first = await startObserved({ dataDir, config: currency("USD") });
    expect(first.log.of("default_currency_differs")).toEqual([]);
    await first.close();

    const same = await startObserved({ dataDir, config: currency("USD") });
    expect(same.log.of("default_currency_differs")).toEqual([]);
    await same.close();

    const o = await startObserved({ dataDir, config: currency("EUR") });
    expect(o.sidecar.server.state.engine.accounts().groupCurrencyOf(AccountGroupId.DEFAULT)).toBe("USD");
    expect(o.log.of("default_currency_differs").map(({ level, file, state, msg }) => ({ level, file, state, msg }))).toEqual([
      {
        level: "warn",
        file: "EUR",
        state: "USD",
        msg: "accounts.defaultCurrency: the durable state's USD is in force, not the file's EUR (the file seeds a fresh state only); change it with SetGroupCurrency for group 0",
      },
    ]);
  });
});
