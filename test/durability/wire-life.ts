/**
 * One process life of a sidecar under the crash and replication tests: its account channel
 * and fill feed running the workload's wire operations, and what a restarted process holds,
 * read through AdminService.
 */
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { isDeepStrictEqual } from "node:util";
import type { ExpectStatic } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannel, ReportFeed, callUnary, type SidecarClients } from "../../src/client/index.js";
import { adminAnswer, channelAnswer, feedAnswer, type Answer, type StateView, type WireOp } from "./reference.js";
import type { SidecarProcess } from "./sidecar-process.js";
import { ACCOUNTS, POLICIES } from "./workload.js";

/** A running sidecar as the tests reach it (a child process, or a server in the test's own process). */
export interface ReachableSidecar {
  readonly clients: SidecarClients;
}

/** One process life: the sidecar, its one account channel and its fill feed. */
export class Life<P extends ReachableSidecar = SidecarProcess> {
  readonly channel: AccountChannel;
  readonly feed: ReportFeed;

  constructor(readonly proc: P) {
    this.channel = new AccountChannel(proc.clients.channel);
    this.feed = new ReportFeed(proc.clients.feed);
  }

  run(op: WireOp): Promise<Answer> {
    switch (op.t) {
      case "channel":
        return this.channel.sendRaw([...op.commands]).then((r) => channelAnswer(r.results));
      case "feed":
        return this.feed.publish(...op.reports).then(feedAnswer);
      case "admin":
        return new Promise((resolve) => {
          const method = this.proc.clients.admin[op.method] as unknown as (req: unknown, cb: (err: ServiceError | null, res: never) => void) => void;
          method.call(this.proc.clients.admin, op.request, (err, res) => resolve(adminAnswer(op.method, err, res)));
        });
      case "crash":
        throw new Error("a crash is not sent");
    }
  }
}

export interface DurableView {
  readonly view: StateView;
  readonly journal: ad.GetJournalStatusResponse;
}

/** What the restarted process holds, read through AdminService. Right after a restart no channel is pinned or holds reservations. */
export async function readDurable(proc: ReachableSidecar, expect: ExpectStatic, where: string): Promise<DurableView> {
  const admin = proc.clients.admin;
  const accounts: Record<string, JsonValue> = {};
  for (const accountId of ACCOUNTS) {
    const s = await callUnary<ad.GetAccountStateResponse>(admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));
    expect(s.pinnedChannelId, `${where}: account ${accountId} pinned after a restart`).toBe(0n);
    expect(s.openReservations, `${where}: account ${accountId} has open reservations after a restart`).toEqual([]);
    accounts[accountId.toString()] = toJson(ad.GetAccountStateResponseSchema, s);
  }
  const policies: Record<string, JsonValue> = {};
  for (const policyName of POLICIES) {
    const s = await callUnary<ad.GetPolicySettingsResponse>(admin, "getPolicySettings", create(ad.GetPolicySettingsRequestSchema, { policyName }));
    policies[policyName] = JSON.parse(s.settingsJson) as JsonValue;
  }
  const journal = await callUnary<ad.GetJournalStatusResponse>(admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema, {}));
  return { view: { accounts, policies }, journal };
}

/** Where two JSON values differ (paths and both values), the first few: short failure messages. */
export function differences(a: unknown, b: unknown, path = "", out: string[] = []): string[] {
  if (out.length >= 8) return out;
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
  } else if (!isDeepStrictEqual(a, b)) {
    out.push(`${path}: ${JSON.stringify(a)} (restarted) vs ${JSON.stringify(b)} (reference)`);
  }
  return out;
}
