/** grpc.reflection.v1, so buf curl and grpcurl-like tools can call the sidecar. */
import { create, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import * as rf from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import type { LiveStreams } from "./live-streams.js";
import { quoted } from "../../param/quoted.js";
import { isMalformed, type MalformedMessage } from "../../transport/service-definition.js";

/** Every file a service needs, dependencies first. */
function closure(files: readonly DescFile[]): DescFile[] {
  const seen = new Set<string>();
  const out: DescFile[] = [];
  const visit = (f: DescFile) => {
    if (seen.has(f.proto.name)) return;
    seen.add(f.proto.name);
    for (const d of f.dependencies) visit(d);
    out.push(f);
  };
  files.forEach(visit);
  return out;
}

/**
 * grpc.reflection.v1, answered from the generated descriptors, so `buf curl` and other
 * tools can call the sidecar without local .proto files.
 *
 * Open to every principal, and an answer is ~680 times its request (a 33-byte
 * `file_containing_symbol` draws ~22 kB): so a stream stops reading while its client does
 * not read its answers (grpc-js then stops reading the HTTP/2 stream, and flow control holds
 * the client), instead of answering everything it sends into memory. Shutdown ends the
 * streams with the other live ones.
 */
export function reflectionService(services: readonly DescService[], streams?: LiveStreams): UntypedServiceImplementation {
  const files = closure(services.map((s) => s.file));
  const byName = new Map(files.map((f) => [f.proto.name, f]));
  const bySymbol = new Map<string, DescFile>();
  for (const f of files) {
    const pkg = f.proto.package;
    for (const s of f.services) {
      bySymbol.set(s.typeName, f);
      for (const m of s.methods) bySymbol.set(`${s.typeName}.${m.name}`, f);
    }
    for (const m of f.messages) bySymbol.set(m.typeName, f);
    for (const e of f.enums) bySymbol.set(e.typeName, f);
    if (pkg) bySymbol.set(pkg, f);
  }
  const encodeFiles = (root: DescFile) =>
    create(rf.FileDescriptorResponseSchema, {
      fileDescriptorProto: closure([root]).reverse().map((f) => toBinary(FileDescriptorProtoSchema, f.proto)),
    });
  const answer = (req: rf.ServerReflectionRequest): rf.ServerReflectionResponse["messageResponse"] => {
    const r = req.messageRequest;
    // The name quoted (at most 64 characters and its length), as every error quotes what a
    // request sent (docs/security.md); whole, a 100 000-character name came back in the
    // error's text (found by review, session 36). This answer is a message, not a status, so
    // the server's bound on statuses (bounded-status.ts) does not see it.
    const notFound = (what: string) => ({
      case: "errorResponse" as const,
      value: create(rf.ErrorResponseSchema, { errorCode: 5, errorMessage: `${what} not found` }),
    });
    switch (r.case) {
      case "listServices":
        return {
          case: "listServicesResponse",
          value: create(rf.ListServiceResponseSchema, {
            service: services.map((s) => create(rf.ServiceResponseSchema, { name: s.typeName })),
          }),
        };
      case "fileByFilename": {
        const f = byName.get(r.value);
        return f ? { case: "fileDescriptorResponse", value: encodeFiles(f) } : notFound(`file ${quoted(r.value)}`);
      }
      case "fileContainingSymbol": {
        const f = bySymbol.get(r.value);
        return f ? { case: "fileDescriptorResponse", value: encodeFiles(f) } : notFound(`symbol ${quoted(r.value)}`);
      }
      case "allExtensionNumbersOfType":
        return {
          case: "allExtensionNumbersResponse",
          value: create(rf.ExtensionNumberResponseSchema, { baseTypeName: r.value, extensionNumber: [] }),
        };
      default:
        return notFound("extension");
    }
  };
  return {
    serverReflectionInfo(call: ServerDuplexStream<rf.ServerReflectionRequest, rf.ServerReflectionResponse>) {
      let ended = false;
      const end = (): void => {
        unregister?.();
        if (ended) return;
        ended = true;
        call.end();
      };
      const unregister = streams?.add({ drainAndClose: end });
      call.on("data", (req: rf.ServerReflectionRequest | MalformedMessage) => {
        if (ended) return;
        // A request that does not decode gets its error like any other, and the stream stays
        // up (found by review: it was dropped without an answer, and the client waited).
        const response = isMalformed(req)
          ? create(rf.ServerReflectionResponseSchema, {
              messageResponse: { case: "errorResponse", value: create(rf.ErrorResponseSchema, { errorCode: 3, errorMessage: `malformed request: ${req.error}` }) },
            })
          : create(rf.ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse: answer(req) });
        if (!call.write(response)) call.pause();
      });
      call.on("drain", () => call.resume());
      call.on("end", end);
      const gone = (): void => {
        ended = true;
        unregister?.();
      };
      call.on("error", gone);
      call.on("cancelled", gone);
      call.on("close", gone);
    },
  };
}
