/**
 * Found by review (session 30): every command a gateway sent outside its scope was one audit
 * record, announced to monitors as one `audit_recorded` event once durable. A message of
 * 4 096 refused commands (the default `maxCommandsPerMessage`) announced 4 096 events in one
 * burst, and a monitor reading as fast as it could was dropped as one that had stopped
 * reading (more than `maxQueuedEventsPerSubscriber` waiting): one gateway cut every monitor
 * off. The refusals of a message (of each slice of a long one) are now one record per kind of
 * command (message-denials.ts), which says how many it stands for and names every account.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { COMMANDS_PER_SLICE } from "../../src/server/services/account-channel-service.js";
import { AccountId } from "../../src/param/index.js";
import { Credentials, FOREIGN_ACCOUNT, startSecureHarness, type SecureHarness } from "./secure-harness.js";

const MESSAGES = 3;
const COMMANDS = 4096;
const RECORDS = MESSAGES * (COMMANDS / COMMANDS_PER_SLICE);

describe("refused channel commands in bulk", () => {
  const creds = new Credentials();
  let h: SecureHarness;

  beforeAll(async () => {
    h = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });

  it(`${MESSAGES} messages of ${COMMANDS} out-of-scope binds: a monitor in another process stays subscribed; the records account for every command`, async () => {
    const pem = creds.clients.get("monitor")!;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./fixtures/monitor-child.ts", import.meta.url)), h.address, creds.ca.certFile, pem.certFile, pem.keyFile, String(RECORDS)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const lines: string[] = [];
    let waiter: (() => void) | undefined;
    child.stdout.on("data", (b: Buffer) => {
      lines.push(...b.toString().split("\n").filter(Boolean));
      waiter?.();
    });
    const line = async (match: (l: string) => boolean): Promise<string> => {
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        await new Promise<void>((r) => (waiter = r));
      }
    };
    await line((l) => l === "subscribed");

    const gateway = h.connect(creds.certificate("gateway-a")).channel;
    const stream = gateway.open!() as ClientDuplexStream<unknown, ch.OpenResponse>;
    const answers: ch.OpenResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on("data", (m: ch.OpenResponse) => {
        if (answers.push(m) === MESSAGES) resolve();
      });
      stream.on("error", reject);
    });
    const bind = (i: number) => ({ command: { case: "bindAccounts" as const, value: { accountIds: [FOREIGN_ACCOUNT + BigInt(i % 3)] } } });
    for (let m = 0; m < MESSAGES; m++) stream.write(create(ch.OpenRequestSchema, { correlationId: BigInt(m + 1), commands: Array.from({ length: COMMANDS }, (_, i) => bind(i)) }));
    await done;
    stream.end();
    // Every command is still answered on its own.
    expect(answers.flatMap((a) => a.results.map((r) => r.result.case))).toEqual(Array.from({ length: MESSAGES * COMMANDS }, () => "error"));

    expect(JSON.parse(await line((l) => l.startsWith("{")))).toEqual({ heard: RECORDS, failure: null });
    const records = h.server.state.audit.query({ limit: 1000, newestFirst: false }).records;
    expect(records).toHaveLength(RECORDS);
    const standsFor = (detail: string) => 1 + Number(/; (\d+) more in the same message refused alike/.exec(detail)?.[1] ?? 0);
    expect(records.reduce((sum, r) => sum + standsFor(r.detail), 0)).toBe(MESSAGES * COMMANDS);
    expect(records[0]).toMatchObject({
      actor: "gateway-a",
      action: "open bind",
      outcome: "denied",
      detail: `commands[0].bind_accounts.account_ids[0]: principal 'gateway-a' may not use account 77; ${COMMANDS_PER_SLICE - 1} more in the same message refused alike (account_ids: every account they named) (/openpit.sidecar.v1.AccountChannelService/Open)`,
      accountIds: [77n, 78n, 79n].map((a) => AccountId.fromU64(a)),
    });
  }, 60_000);
});
