/**
 * The HA suites' oracle: the crash suite's seeded workload through the wire (its Life), and
 * what a sidecar shows of it compared with the in-process reference (test/durability/
 * reference.ts) fed exactly the acknowledged operations, a takeover counting as a crash (the
 * old owner's channels are closed, their reservations rolled back).
 */
import { isDeepStrictEqual } from "node:util";
import { CRASH, Reference, type Answer, type WireOp } from "../durability/reference.js";
import type { Life } from "../durability/wire-life.js";
import { ACCOUNTS, POLICIES, Workload, type Planned } from "../durability/workload.js";

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
  async runAcknowledged(gw: Life, n: number, first: boolean): Promise<void> {
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


export { ACCOUNTS, POLICIES, CRASH };
export { Life, differences, readDurable } from "../durability/wire-life.js";
