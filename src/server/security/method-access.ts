/**
 * Who may call what: one table from a method's full gRPC path to what it requires. A method
 * with no entry is refused to everyone (fail closed), so a new RPC is unusable until it is
 * listed here on purpose; a test checks every method of every served descriptor has an entry.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import type { Role } from "./principal.js";

/** A method's full gRPC path, `/package.Service/Method`: the table's key and the audit's action. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** public: anyone, even without credentials; authenticated: any known principal; else one of the roles. */
export type Access = "public" | "authenticated" | readonly Role[];

const ADMIN = "/openpit.sidecar.v1.AdminService/";
/** Admin changes: operators only. */
const CHANGE: readonly Role[] = ["operator"];
/** Reads of state, settings and the journal: monitors, and operators (who must see what they change). */
const READ: readonly Role[] = ["monitor", "operator"];

export const METHOD_ACCESS: ReadonlyMap<string, Access> = new Map<string, Access>([
  ["/openpit.sidecar.v1.AccountChannelService/Open", ["gateway"]],
  ["/openpit.sidecar.v1.ExecutionReportFeedService/Publish", ["feed"]],
  ["/openpit.sidecar.v1.AccountEventService/Subscribe", READ],
  [`${ADMIN}BlockAccount`, CHANGE],
  [`${ADMIN}UnblockAccount`, CHANGE],
  [`${ADMIN}ReplaceAccountBlockReason`, CHANGE],
  [`${ADMIN}BlockGroup`, CHANGE],
  [`${ADMIN}UnblockGroup`, CHANGE],
  [`${ADMIN}ReplaceGroupBlockReason`, CHANGE],
  [`${ADMIN}RegisterGroup`, CHANGE],
  [`${ADMIN}UnregisterGroup`, CHANGE],
  [`${ADMIN}SetAccountCurrency`, CHANGE],
  [`${ADMIN}SetGroupCurrency`, CHANGE],
  [`${ADMIN}RetireAccount`, CHANGE],
  [`${ADMIN}ConfigurePolicy`, CHANGE],
  [`${ADMIN}SetPnlAccumulator`, CHANGE],
  [`${ADMIN}SetSpotFundsAccountPnl`, CHANGE],
  [`${ADMIN}RegisterInstrument`, CHANGE],
  [`${ADMIN}PushQuote`, CHANGE],
  [`${ADMIN}StreamQuotes`, CHANGE],
  [`${ADMIN}GetPolicySettings`, READ],
  [`${ADMIN}GetAccountState`, READ],
  [`${ADMIN}GetJournalStatus`, READ],
  // The audit trail's query (added by the audit work): a read like the others.
  [`${ADMIN}QueryAudit`, READ],
  // Trading states (issue 12): an operator's change, audited; monitors may read them.
  [`${ADMIN}SetTradingState`, CHANGE],
  [`${ADMIN}GetTradingStates`, READ],
  // The operator queries (operator.proto): reads, like GetAccountState.
  [`${ADMIN}ListAccounts`, READ],
  [`${ADMIN}ListChannels`, READ],
  [`${ADMIN}GetServerStatus`, READ],
  // Replicated mode: a planned hand-over is an operator's act; who owns what is a read.
  [`${ADMIN}StepDown`, CHANGE],
  [`${ADMIN}GetReplicationStatus`, READ],
  // Load balancers and orchestrators probe without credentials.
  ["/grpc.health.v1.Health/Check", "public"],
  ["/grpc.health.v1.Health/Watch", "public"],
  // The contract is no secret, but the sidecar's surface is shown only to known callers.
  ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "authenticated"],
]);
