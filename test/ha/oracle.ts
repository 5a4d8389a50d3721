/**
 * The HA suites' oracle: the crash suite's seeded workload through the wire, and what a
 * sidecar shows of it compared with the in-process reference (test/durability/reference.ts)
 * fed exactly the acknowledged operations, a takeover counting as a crash (the old owner's
 * channels are closed, their reservations rolled back).
 */
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { isDeepStrictEqual } from "node:util";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannel, ReportFeed, callUnary } from "../../src/client/index.js";
import { CRASH, Reference, adminAnswer, channelAnswer, feedAnswer, type Answer, type StateView, type WireOp } from "../durability/reference.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { ACCOUNTS, POLICIES, Workload, type Planned } from "../durability/workload.js";

/** One gateway's connection to one sidecar: an account channel, a fill feed, the admin client. */
export class Gateway {
  readonly channel: AccountChannel;
  readonly feed: ReportFeed;

  constructor(readonly proc: SidecarProcess) {
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

/** What a sidecar holds of the workload's accounts and policies, read through AdminService. */
export async function readView(proc: SidecarProcess): Promise<{ view: StateView; lastSequence: bigint }> {
  const admin = proc.clients.admin;
  const accounts: Record<string, JsonValue> = {};
  for (const accountId of ACCOUNTS) {
    const s = await callUnary<ad.GetAccountStateResponse>(admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));
    accounts[accountId.toString()] = toJson(ad.GetAccountStateResponseSchema, s);
  }
  const policies: Record<string, JsonValue> = {};
  for (const policyName of POLICIES) {
    const s = await callUnary<ad.GetPolicySettingsResponse>(admin, "getPolicySettings", create(ad.GetPolicySettingsRequestSchema, { policyName }));
    policies[policyName] = JSON.parse(s.settingsJson) as JsonValue;
  }
  const journal = await callUnary<ad.GetJournalStatusResponse>(admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema, {}));
  return { view: { accounts, policies }, lastSequence: journal.lastSequence };
}

/** The workload's log as the gateway saw it: every operation sent and its answer (undefined: none came). */
export class WorkloadLog {
  readonly ops: WireOp[] = [];
  readonly whats: string[] = [];
  readonly answers: (Answer | undefined)[] = [];
  readonly work: Workload;

  constructor(
    readonly config: Record<string, unknown>,
    seed: number,
  ) {
    this.work = new Workload(seed);
  }

  /** Runs `n` operations (after the life's opening ones) on `gw`, each awaited: all acknowledged. */
  async runAcknowledged(gw: Gateway, n: number, first: boolean): Promise<void> {
    const planned: Planned[] = [...this.work.lifeStart(first)];
    for (let i = 0; i < n || planned.length > 0; i++) {
      const p = planned.shift() ?? this.work.next();
      const answer = await gw.run(p.op);
      this.push(p.op, p.what, answer);
      p.update?.(answer);
    }
  }

  push(op: WireOp, what: string, answer: Answer | undefined): void {
    this.ops.push(op);
    this.whats.push(what);
    this.answers.push(answer);
  }

  /** A takeover: the previous owner's channels are closed by the new owner, as after a crash. */
  takeover(): void {
    this.push(CRASH, "takeover", undefined);
    this.work.crashed();
  }

  reference(extra: readonly WireOp[] = []): ReturnType<typeof Reference.replay> {
    // The reference is one in-process engine: no journal, no leases.
    const { ownership: _o, replication: _r, ...single } = this.config;
    return Reference.replay(single, [...this.ops, ...extra]);
  }

  /** Every answer the gateway received equals the reference's answer to the same operation. */
  answersAgree(ref: ReturnType<typeof Reference.replay>): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.ops.length; i++) {
      if (this.answers[i] === undefined) continue;
      if (!isDeepStrictEqual(ref.answers[i], this.answers[i])) out.push(`op #${i} ${this.whats[i]}: wire ${JSON.stringify(this.answers[i])} vs reference ${JSON.stringify(ref.answers[i])}`);
    }
    return out;
  }
}

/** Where two JSON values differ (paths and both values), the first few: short failure messages. */
export function differences(a: unknown, b: unknown, path = "", out: string[] = []): string[] {
  if (out.length >= 8) return out;
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
  } else if (!isDeepStrictEqual(a, b)) {
    out.push(`${path}: ${JSON.stringify(a)} (sidecar) vs ${JSON.stringify(b)} (reference)`);
  }
  return out;
}

export { ACCOUNTS, POLICIES, CRASH };
