/**
 * grpc-js's server stream as the services use it, without sockets: what the service writes is
 * kept (through `decode`, as a client would read it, when given), reading can be paused and
 * resumed, and it answers the metadata and peer lookups the service guard makes.
 */
import { EventEmitter } from "node:events";

export class FakeServerCall<Out> extends EventEmitter {
  readonly written: Out[] = [];
  paused = false;
  readonly metadata = { get: (): unknown[] => [] };
  constructor(private readonly decode: (m: never) => Out = (m) => m as Out) {
    super();
  }
  getPeer(): string {
    return "test";
  }
  write(m: never): boolean {
    this.written.push(this.decode(m));
    return true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {}
}
