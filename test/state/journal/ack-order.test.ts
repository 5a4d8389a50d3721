// Written by review (session 18) to pin the writer's promises; the code passed it as it was.
// Power-loss ordering of the writer, checked from a trace of the file operations: when a
// record's afterDurable runs, every write made before it was followed by a completed
// fdatasync of its file (started after the write), and every segment renamed into place
// before it by a completed fsync of the directory (started after the rename).
import * as fs from "node:fs";
import { describe, expect, it, vi } from "vitest";

const trace = vi.hoisted(() => ({ events: [] as { t: number; kind: string; fd?: number }[], clock: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const m = await importOriginal<typeof import("node:fs")>();
  return {
    ...m,
    default: m,
    renameSync: (a: fs.PathLike, b: fs.PathLike) => {
      m.renameSync(a, b);
      trace.events.push({ t: ++trace.clock, kind: "rename" });
    },
    // startup's directory fsyncs (createSegmentSync, FileJournal.open) go through fs directly
    fsyncSync: (fd: number) => {
      const start = ++trace.clock;
      m.fsyncSync(fd);
      trace.events.push({ t: start, kind: "fsyncSync-start" });
      trace.events.push({ t: ++trace.clock, kind: "fsyncSync-end" });
    },
  };
});

import { FileJournal } from "../../../src/state/journal/index.js";
import { nextTurn, useTempDirs } from "./journal-test-helpers.js";

const tempDir = useTempDirs();

describe("ack ordering against a trace of file operations", () => {
  for (const inline of [0, 2048]) {
    for (const prepareAhead of [true, false]) {
      it(`inlineSyncBytes=${inline} prepareAhead=${prepareAhead}`, async () => {
        const ev = trace.events;
        ev.length = 0;
        const syncs: { fd: number; start: number; end: number }[] = [];
        const dirSyncs: { start: number; end: number }[] = [];
        const writes: { fd: number; t: number }[] = [];
        const renames = () => ev.filter((e) => e.kind === "rename").map((e) => e.t);
        const j = FileJournal.open({
          dataDir: tempDir(),
          mode: "sync",
          segmentBytes: 4096,
          inlineSyncBytes: inline,
          prepareAhead,
          io: {
            writeSync: (fd, b, o, l, p) => {
              const n = fs.writeSync(fd, b, o, l, p);
              writes.push({ fd, t: ++trace.clock });
              return n;
            },
            fdatasync: (fd, cb) => {
              const s = { fd, start: ++trace.clock, end: Infinity };
              syncs.push(s);
              fs.fdatasync(fd, (err) => {
                s.end = ++trace.clock;
                cb(err);
              });
            },
            fdatasyncSync: (fd) => {
              const s = { fd, start: ++trace.clock, end: Infinity };
              syncs.push(s);
              fs.fdatasyncSync(fd);
              s.end = ++trace.clock;
            },
            fsync: (fd, cb) => {
              const s = { start: ++trace.clock, end: Infinity };
              dirSyncs.push(s);
              fs.fsync(fd, (err) => {
                s.end = ++trace.clock;
                cb(err);
              });
            },
          },
        });
        const violations: string[] = [];
        let acks = 0;
        const check = (seq: number) => {
          const now = ++trace.clock;
          acks++;
          for (const w of writes) {
            if (w.t > now) continue;
            if (!syncs.some((s) => s.fd === w.fd && s.start > w.t && s.end < now)) violations.push(`record ${seq}: write at ${w.t} (fd ${w.fd}) not synced before ack`);
          }
          for (const r of renames()) {
            if (r > now) continue;
            const direct = ev.filter((e) => e.kind === "fsyncSync-start").map((e) => ({ start: e.t, end: e.t + 1 }));
            if (![...dirSyncs, ...direct].some((s) => s.start > r && s.end < now)) violations.push(`record ${seq}: rename at ${r} not dir-synced before ack`);
          }
        };
        let n = 0;
        for (let turn = 0; turn < 80; turn++) {
          for (let k = 0; k < (turn % 5) + 1; k++) {
            const seq = Number(j.append(Buffer.alloc(50 + ((turn * 37 + k * 11) % 700), 1)));
            j.afterDurable(() => check(seq));
            n++;
          }
          await (turn % 3 === 0 ? new Promise((r) => setTimeout(r, 1)) : nextTurn());
        }
        await j.flush();
        await j.close();
        expect(acks).toBe(n);
        expect(renames().length).toBeGreaterThan(3);
        expect(violations.slice(0, 5)).toEqual([]);
      });
    }
  }
});
