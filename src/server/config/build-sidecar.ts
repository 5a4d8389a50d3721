import { AccountGroupId, PolicyGroupId } from "../../param/index.js";
import { Engine, monotonicClock, type Clock } from "../../engine/index.js";
import { MarketDataService, QuoteTtl } from "../../marketdata/index.js";
import { Sidecar } from "../sidecar.js";
import { SidecarServer } from "../server.js";
import { POLICY_CATALOG } from "./policy-catalog.js";
import type { SidecarConfig } from "./sidecar-config.js";

const ttl = (ms: number) => (ms === 0 ? QuoteTtl.infinite() : QuoteTtl.within(ms));

/** Builds the engine, market data and gRPC server a configuration describes. */
export function buildSidecar(config: SidecarConfig, clock: Clock = monotonicClock): SidecarServer {
  const marketData = new MarketDataService({ defaultTtl: ttl(config.marketData.defaultTtlMs), clock });
  for (const i of config.marketData.instruments) {
    const instrument = { underlyingAsset: i.underlyingAsset, settlementAsset: i.settlementAsset };
    const instrumentTtl = i.ttlMs === undefined ? undefined : ttl(i.ttlMs);
    if (i.id === undefined) marketData.register(instrument, instrumentTtl);
    else marketData.registerWithId(i.id, instrument, instrumentTtl);
  }

  const builder = Engine.builder().syncMode(config.syncMode).clock(clock);
  config.policies.forEach((p, i) => {
    const entry = POLICY_CATALOG.get(p.type)!;
    const policyGroupId = p.policyGroupId === undefined ? undefined : PolicyGroupId.fromU16(p.policyGroupId);
    builder.policy(entry.create(p.settings ?? {}, `config.policies[${i}].settings`, { policyGroupId, marketData }));
  });
  const engine = builder.build();

  const accounts = engine.accounts();
  if (config.accounts.defaultCurrency) accounts.setGroupCurrency(AccountGroupId.DEFAULT, config.accounts.defaultCurrency);
  const byGroup = new Map<AccountGroupId, typeof config.accounts.list>();
  for (const a of config.accounts.list) {
    if (a.currency) accounts.setCurrency(a.id, a.currency);
    if (a.group !== undefined) byGroup.set(a.group, [...(byGroup.get(a.group) ?? []), a]);
  }
  for (const [group, members] of byGroup) accounts.registerGroup(members.map((m) => m.id), group);

  const sidecar = new Sidecar({
    engine,
    marketData,
    clock,
    limits: config.limits,
    knownAccounts: config.accounts.strict ? new Set(config.accounts.list.map((a) => a.id)) : undefined,
  });
  return new SidecarServer(sidecar, config.limits);
}
