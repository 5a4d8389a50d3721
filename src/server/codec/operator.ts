/** The operator queries on the wire (operator.proto): account list, channel list, server status. */
import { create } from "@bufbuild/protobuf";
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import { AccountGroupId } from "../../param/index.js";
import type { AccountBlock } from "../../model/index.js";
import type { AccountListFilter, AccountPage } from "../../state/account-directory.js";
import type { ChannelState } from "../../state/channel-state.js";
import type { ServingPhase } from "../services/service-context.js";
import { encodeBlock } from "./encode.js";
import { encodeBlockScope } from "./enums.js";

/** `limit` 0 means this many; a larger one is taken as ACCOUNT_LIST_MAX_LIMIT. */
export const ACCOUNT_LIST_DEFAULT_LIMIT = 100;
export const ACCOUNT_LIST_MAX_LIMIT = 1000;

export function decodeAccountListFilter(r: op.ListAccountsRequest): AccountListFilter {
  const group = r.groupId === undefined ? undefined : r.groupId === 0 ? 0 : AccountGroupId.fromU32(r.groupId);
  return {
    ...(r.blocked === undefined ? {} : { blocked: r.blocked }),
    ...(group === undefined ? {} : { group }),
    ...(r.hasHoldings === undefined ? {} : { hasHoldings: r.hasHoldings }),
    afterAccountId: r.afterAccountId,
    limit: r.limit === 0 ? ACCOUNT_LIST_DEFAULT_LIMIT : Math.min(r.limit, ACCOUNT_LIST_MAX_LIMIT),
  };
}

export function encodeAccountPage(page: AccountPage): op.ListAccountsResponse {
  return create(op.ListAccountsResponseSchema, {
    accounts: page.accounts.map((a) =>
      create(op.AccountSummarySchema, {
        accountId: a.accountId,
        block: a.block && encodeBlock(a.block.block),
        blockScope: encodeBlockScope(a.block?.scope),
        groupId: a.group ?? 0,
        currency: a.currency ?? "",
        pinnedChannelId: a.pinnedChannelId ?? 0n,
        openReservations: a.openReservations,
        holdingAssets: [...a.holdingAssets],
        ownedElsewhere: a.ownedElsewhere && create(op.AccountOwnerSchema, a.ownedElsewhere),
      }),
    ),
    more: page.more,
    total: BigInt(page.total),
  });
}

export function encodeChannelSummary(channel: ChannelState, peer: string | undefined): op.ChannelSummary {
  return create(op.ChannelSummarySchema, {
    channelId: channel.channelId,
    principal: channel.owner,
    peer: peer ?? "",
    pinnedAccountIds: channel.pinnedAccountIds(),
    openRequests: channel.openRequestCount,
    openReservations: channel.openReservationCount,
  });
}

const PHASES: Record<ServingPhase, op.ServingPhase> = {
  recovering: op.ServingPhase.RECOVERING,
  serving: op.ServingPhase.SERVING,
  draining: op.ServingPhase.DRAINING,
  stopping: op.ServingPhase.STOPPING,
  failed: op.ServingPhase.FAILED,
};

/** What GetServerStatus reports, gathered by the server (identity, listeners) and the state (counts). */
export interface ServerStatusView {
  readonly version: string;
  readonly replayRules: number;
  readonly uptimeMs: number;
  readonly configDigest: string;
  readonly phase: ServingPhase;
  readonly durabilityMode: string;
  readonly listeners: readonly { readonly name: string; readonly address: string }[];
  readonly channels: number;
  readonly pinnedAccounts: number;
  readonly openHandles: number;
  readonly blockedAccounts: number;
  readonly blockedGroups: number;
  readonly globalBlock: AccountBlock | undefined;
  readonly policies: readonly string[];
  readonly eventSubscribers: number;
}

export function encodeServerStatus(v: ServerStatusView): op.GetServerStatusResponse {
  return create(op.GetServerStatusResponseSchema, {
    version: v.version,
    uptimeMs: BigInt(Math.max(0, Math.floor(v.uptimeMs))),
    configDigest: v.configDigest,
    phase: PHASES[v.phase],
    durabilityMode: v.durabilityMode,
    listeners: v.listeners.map((l) => create(op.ListenerSchema, l)),
    channels: v.channels,
    pinnedAccounts: v.pinnedAccounts,
    openHandles: v.openHandles,
    blockedAccounts: v.blockedAccounts,
    blockedGroups: v.blockedGroups,
    globalBlock: v.globalBlock && encodeBlock(v.globalBlock),
    policies: [...v.policies],
    eventSubscribers: v.eventSubscribers,
    replayRules: v.replayRules,
  });
}
