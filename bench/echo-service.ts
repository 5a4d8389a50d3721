/**
 * The transport floor: a bare grpc-js bidirectional stream whose messages are raw bytes
 * (identity serializers, `Buffer` in and out). Nothing is decoded or built per message,
 * so what it costs is HTTP/2 framing, grpc-js and the loopback socket — what every call
 * to the sidecar pays before any of our code runs.
 */
import { credentials, makeGenericClientConstructor, type ClientDuplexStream, type MethodDefinition, type ServerDuplexStream, type ServiceDefinition } from "@grpc/grpc-js";

const identity = (b: Buffer): Buffer => b;

/** A bidi-streaming method whose messages are raw bytes both ways (identity serializers). */
export function bytesMethod(path: string, originalName: string): MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName,
  };
}

export const ECHO_SERVICE: ServiceDefinition = { echo: bytesMethod("/bench.Echo/Echo", "echo") };

/**
 * A bidi stream answering each request with `answer(request)`, in order; `undefined` (a
 * request the harness did not prepare for) fails the stream loudly instead of guessing.
 */
export function answeringHandler(answer: (request: Buffer) => Buffer | undefined, what: string): (call: ServerDuplexStream<Buffer, Buffer>) => void {
  return (call) => {
    call.on("data", (request: Buffer) => {
      const response = answer(request);
      if (!response) return call.destroy(new Error(`no ${what} for a ${request.length}-byte request`));
      call.write(response);
    });
    call.on("end", () => call.end());
    call.on("error", () => {});
  };
}

type EchoClient = InstanceType<ReturnType<typeof makeGenericClientConstructor>>;

export function echoClient(address: string): EchoClient {
  const Ctor = makeGenericClientConstructor(ECHO_SERVICE, "Echo");
  return new Ctor(address, credentials.createInsecure());
}

/**
 * One echo stream with the same pipelining shape as `AccountChannel`: each `send` returns
 * a promise of its response. The server answers in order, so a FIFO pairs them up.
 */
export class EchoStream {
  private readonly call: ClientDuplexStream<Buffer, Buffer>;
  private readonly waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private head = 0;

  constructor(client: EchoClient) {
    this.call = (client as unknown as { echo(): ClientDuplexStream<Buffer, Buffer> }).echo();
    this.call.on("data", (b: Buffer) => {
      const w = this.waiting[this.head++];
      // Compact now and then so the queue does not grow for the whole run.
      if (this.head > 4096) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      w?.resolve(b);
    });
    const fail = (e: Error) => {
      for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]!.reject(e);
      this.waiting.length = 0;
      this.head = 0;
    };
    this.call.on("error", fail);
    this.call.on("end", () => fail(new Error("echo stream ended")));
  }

  send(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(bytes);
    });
  }

  end(): void {
    this.call.on("error", () => {});
    this.call.end();
  }
}
