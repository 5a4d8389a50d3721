/**
 * Shutdown and the event monitors: a monitor hears the SHUTDOWN rollbacks of the channels
 * shutdown closed (docs/controls.md, "Cancel on disconnect": a gateway's peer cancels
 * those orders at the venue), whether it subscribed before or after the channel opened
 * and whatever the journal; only then does its stream end. Shutdown used to end every
 * stream in one pass, so a monitor that subscribed first was gone before the rollbacks
 * were published (found by review).
 */
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AccountEventSchema, SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import type { SidecarServer } from "../../src/server/server.js";
import type { SidecarClients } from "../../src/client/index.js";
import type { AccountChannel } from "../../src/client/index.js";
import { startDurable, tempDir } from "./controls-world.js";
import { order, startHarness, testConfig } from "./harness.js";
import { as } from "./results.js";

/** What the test needs of a started sidecar, in memory or durable. */
interface Started {
  readonly server: SidecarServer;
  readonly clients: SidecarClients;
  channel(): AccountChannel;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Monitor {
  readonly events: JsonValue[];
  /** How the stream ended: "end" (OK) or the error's code. */
  readonly ended: Promise<string>;
}

function subscribe(harness: Started): Monitor {
  const events: JsonValue[] = [];
  const call = (harness.clients.events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(create(SubscribeRequestSchema));
  call.on("data", (m: SubscribeResponse) => events.push(toJson(AccountEventSchema, m.event!)));
  const ended = new Promise<string>((resolve) => {
    call.on("end", () => resolve("end"));
    call.on("error", (e: ServiceError) => resolve(`error ${e.code}`));
  });
  return { events, ended };
}

const CONFIG = testConfig({ policies: [{ type: "OrderValidationPolicy" }], limits: { shutdownGraceMs: 2_000 } });

const starts: Record<string, () => Promise<Started>> = {
  "in memory": async () => {
    const h = await startHarness(CONFIG);
    cleanups.push(() => h.clients.close());
    return h;
  },
  // Durable: the rollback is published only once its record is fsynced, after the channel closed.
  "a sync file journal": async () => {
    const dir = tempDir();
    const d = await startDurable(CONFIG, dir.path, 1_000);
    cleanups.push(() => {
      d.clients.close();
      dir.remove();
    });
    return { server: d.sidecar.server, clients: d.clients, channel: () => d.channel() };
  },
};

describe("shutdown: event monitors hear the channels' SHUTDOWN rollbacks before their streams end", () => {
  for (const [name, start] of Object.entries(starts)) {
    it(`${name}: a monitor subscribed before the channel and one after it both get the rollback, then a clean end`, async () => {
      const h = await start();
      const first = subscribe(h);
      await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(1));
      const c = h.channel();
      const r = as(await c.one({ case: "executePreTrade", value: { order: order({ qty: "1" }) } }), "execute");
      expect(r.accepted).toBe(true);
      const second = subscribe(h);
      await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(2));

      await h.server.shutdown();
      expect(await first.ended).toBe("end");
      expect(await second.ended).toBe("end");
      for (const m of [first, second]) {
        // The account of harness.order(), its one reservation (channel 1's first handle).
        expect(m.events).toEqual([
          { sequence: "1", reservationsRolledBack: { accountId: "99224416", reservationIds: ["4294967297"], reason: "ROLLBACK_REASON_SHUTDOWN", channelId: "1" } },
        ]);
      }
    });
  }
});
