/**
 * The echo floor in its own process (forked by bench/run.ts), mirroring the sidecar's:
 * same grpc-js server options, 127.0.0.1 port 0, port told over IPC. The parent passes
 * the (request size → response size) pairs of our real messages; each request is
 * answered with a preallocated buffer of the matching response size. It also serves the
 * order-shaped echo (order-echo.ts): the channel's method answered with recorded answers.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { answeringHandler, ECHO_SERVICE } from "./echo-service.js";
import { ORDER_ECHO_SERVICE, orderEchoHandler, type RecordedAnswer } from "./order-echo.js";
import { processStats, serveIpc, type StatsRequest } from "./ipc.js";

const responses = new Map<number, Buffer>();
/** The order-shaped echo's recorded answers, by request size after the correlation id (order-echo.ts). */
const answers = new Map<number, Buffer>();
let server: Server | undefined;

const echo = answeringHandler((request) => responses.get(request.length), "response size");

serveIpc({
  async start() {
    if (server) throw new Error("already started");
    server = new Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
    server.addService(ECHO_SERVICE, { echo });
    server.addService(ORDER_ECHO_SERVICE, { open: orderEchoHandler(answers) });
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return { port };
  },
  sizes(payload: { pairs: [number, number][] }) {
    for (const [request, response] of payload.pairs) responses.set(request, Buffer.alloc(response, 0x5a));
    return { sizes: payload.pairs.length };
  },
  answers(payload: { recorded: RecordedAnswer[] }) {
    for (const r of payload.recorded) answers.set(r.requestBodyBytes, Buffer.from(r.answerBody, "base64"));
    return { answers: payload.recorded.length };
  },
  stats: (payload: StatsRequest) => processStats(payload),
  stop() {
    setImmediate(() => {
      server?.forceShutdown();
      process.exit(0);
    });
    return {};
  },
});
