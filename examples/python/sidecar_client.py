#!/usr/bin/env python3
"""A gateway in Python talking to openpit-sidecar through stubs generated from proto/.

Usage: /usr/bin/python3 examples/python/sidecar_client.py [HOST:PORT] [ACCOUNT_ID]
       (defaults: 127.0.0.1:50051 and account 42; needs /usr/bin/protoc, grpc_python_plugin, grpcio)
       OPENPIT_DEADLINE_MS in the environment: each call's deadline (default 20000, at most 2000000000)

Generates the Python stubs from ../../proto into a temporary folder (Debian's /usr/bin/protoc), then:
seeds USD funds on an account channel, sends two orders (one accepted and committed, one
rejected for insufficient funds), applies a fill through the execution-report feed, and
asserts the resulting holdings through the admin API. Exits non-zero on any mismatch, on a
message the sidecar refuses whole or a command it could not run, and on a call that fails or
outlives its deadline.

Rerunnable against the same sidecar: the seed sets an absolute USD balance, the fill
carries its realized P&L and fee (a report without them halts the account's P&L and the
kill switch blocks it), and the AAPL check is on what this run added.
"""
import decimal
import os
import re
import subprocess
from decimal import Decimal
import sys
import tempfile
import time

# The sidecar's decimals have up to 28 places and 29 significant digits; Python's default
# context keeps 28 and rounds the rest, so a sum such as 10 + 0.000…01 would come out wrong.
decimal.getcontext().prec = 60
UINT64_MAX = 2**64 - 1
# The longest OPENPIT_DEADLINE_MS taken (see parse_args).
MAX_DEADLINE_MS = 2_000_000_000

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))


PROTOC = "/usr/bin/protoc"
PROTOC_PACKAGES = "Debian's protobuf-compiler and protobuf-compiler-grpc (/usr/bin/grpc_python_plugin)"


def generate_stubs(out_dir):
    """Debian's protoc (3.21) and its gRPC Python plugin; grpc_tools' bundled protoc is
    older than proto3 `optional` fields. By its path: another protoc first on PATH (a release
    zip's in /usr/local/bin, older or newer than Debian's python3-protobuf) failed the run with
    a traceback (found by review). A failure here is one line on stderr and exit 2, as the
    other setup failures (usage, grpcio not importable)."""
    # Every file of the contract (admin.proto imports most of the others).
    contract_dir = os.path.join(PROTO_ROOT, "openpit", "sidecar", "v1")
    files = [
        os.path.join("openpit", "sidecar", "v1", name)
        for name in sorted(os.listdir(contract_dir)) if name.endswith(".proto")
    ]
    try:
        subprocess.run(
            [PROTOC, f"-I{PROTO_ROOT}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
             "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", *files],
            check=True, stderr=subprocess.PIPE, text=True,
        )
    except FileNotFoundError:
        print(f"not ok - generating the stubs: {PROTOC} not found; install {PROTOC_PACKAGES}", file=sys.stderr)
        sys.exit(2)
    except subprocess.CalledProcessError as e:
        said = "; ".join(line.strip() for line in e.stderr.splitlines() if line.strip()) or "no message"
        print(f"not ok - generating the stubs: {PROTOC} exited {e.returncode}: {said} (it needs {PROTOC_PACKAGES})",
              file=sys.stderr)
        sys.exit(2)
    # protoc writes no __init__.py, which makes `openpit` a namespace package, and Python
    # prefers any regular package or module named `openpit` anywhere on sys.path to one: with
    # the OpenPit Python SDK installed (`pip install openpit`), `from openpit.sidecar.v1 import`
    # failed (found by review). Regular packages first on sys.path win.
    for package in ("openpit", os.path.join("openpit", "sidecar"), os.path.join("openpit", "sidecar", "v1")):
        open(os.path.join(out_dir, package, "__init__.py"), "a").close()
    sys.path.insert(0, out_dir)


def code_name(enum, code):
    """A code's name; a code a newer sidecar sends and these stubs do not know is shown as its
    number (`Name` raises ValueError on it, which ended the example in a traceback)."""
    return enum.Name(code) if code in enum.values() else str(code)


def rejects_text(types_pb2, execute):
    """What a rejected order's answer says: every reject's code, policy, reason and details."""
    return "; ".join(f"{code_name(types_pb2.RejectCode, r.code)} [{r.policy}] {r.reason}: {r.details}"
                     for r in execute.rejects) or "no rejects"


def check(condition, message):
    """A failed check is one line on stderr and exit 1, as every other failure here."""
    if not condition:
        sys.exit(f"not ok - {message}")
    print(f"ok - {message}")


USAGE = ("usage: /usr/bin/python3 examples/python/sidecar_client.py [HOST:PORT] [ACCOUNT_ID]  (defaults: 127.0.0.1:50051 42)\n"
         "       OPENPIT_DEADLINE_MS=N: each call's deadline in milliseconds, 1..2000000000 (default 20000)")

# Client keepalive, as the TypeScript client (src/client/grpc-clients.ts) and the server's
# defaults: ping every 5 s, give the connection up when a ping is not answered within 5 s.
# Without it a stream over a network that went silent waits until its deadline at best.
# gRPC core sends at most two pings while the client sends no data
# (grpc.http2.max_pings_without_data, default 2), and a gateway's channel sits idle between
# orders: after two pings nothing was checked any more and a partition went unnoticed until
# the deadline (found by review). 0: no limit (the sidecar's grpc-js server sets none either).
KEEPALIVE = [("grpc.keepalive_time_ms", 5000), ("grpc.keepalive_timeout_ms", 5000), ("grpc.http2.max_pings_without_data", 0)]


def usage_error():
    print(USAGE, file=sys.stderr)
    sys.exit(2)


def parse_args(argv, env):
    """HOST:PORT and ACCOUNT_ID, both optional; -h/--help or anything malformed prints the usage."""
    if any(a in ("-h", "--help") for a in argv):
        print(USAGE)
        sys.exit(0)
    # ASCII digits within uint64: str.isdigit() also takes "²", which int() refuses. 0 is
    # "missing" on the wire (proto3 default), never an account the sidecar can use.
    bad_account = len(argv) == 2 and not (re.fullmatch(r"[0-9]+", argv[1]) and 0 < int(argv[1]) <= UINT64_MAX)
    if len(argv) > 2 or (argv and ":" not in argv[0]) or bad_account:
        usage_error()
    deadline_ms = env.get("OPENPIT_DEADLINE_MS", "20000")
    # At most 2e9 ms (about 23 days), as the Go example. A grpc-js server (the sidecar) reads
    # the grpc-timeout header into a 32-bit int, so a deadline of 2^31 ms or more turns
    # negative there and the call ends DEADLINE_EXCEEDED at once; grpcio rounds the timeout it
    # sends up, so that began at about 2147000000 here (found by review).
    if not re.fullmatch(r"[0-9]+", deadline_ms) or not 0 < int(deadline_ms) <= MAX_DEADLINE_MS:
        usage_error()
    address = argv[0] if argv else "127.0.0.1:50051"
    account = int(argv[1]) if len(argv) == 2 else 42
    return address, account, int(deadline_ms) / 1000


def main():
    address, account, deadline_s = parse_args(sys.argv[1:], os.environ)
    # Debian's python3-grpcio serves Debian's /usr/bin/python3 only: another python3 first on
    # PATH (pyenv, a virtualenv) cannot import it (found by review: a traceback).
    try:
        import grpc  # noqa: F401  after the usage: `--help` works without grpcio installed
        import google.protobuf  # noqa: F401
    except ImportError as e:
        print(f"not ok - {e.name} is not importable from {sys.executable}: run this with /usr/bin/python3 "
              "(Debian's python3-grpcio), or install grpcio and protobuf for this interpreter", file=sys.stderr)
        sys.exit(2)
    # The stubs live only as long as the run (imported modules stay loaded once read).
    with tempfile.TemporaryDirectory(prefix="openpit-py-") as stubs:
        generate_stubs(stubs)
        run(address, account, deadline_s)


def run(address, account, deadline_s):
    import grpc  # checked importable in main()

    from openpit.sidecar.v1 import admin_pb2, admin_pb2_grpc, channel_pb2, channel_pb2_grpc
    from openpit.sidecar.v1 import errors_pb2, feed_pb2, feed_pb2_grpc, types_pb2

    def call(what, rpc):
        """Runs one call to its end; a failed call (e.g. DEADLINE_EXCEEDED when the network went
        silent, UNAVAILABLE when keepalive gave the connection up) is one clear line and exit 1."""
        try:
            return rpc()
        except grpc.RpcError as e:
            sys.exit(f"not ok - {what}: {e.code().name}: {e.details()}")

    def answers(what, stream):
        """Reads a stream's answers one by one. When it fails part-way, what was answered still
        happened (an order committed on accept stays committed): the failure line names those
        messages, and a gateway keeps their answers rather than dropping them with the error."""
        received = []
        try:
            for response in stream():
                received.append(response)
        except grpc.RpcError as e:
            ids = [f"message {r.correlation_id}" for r in received if r.correlation_id]
            before = f" (answered before it failed: {', '.join(ids)})" if ids else ""
            sys.exit(f"not ok - {what}: {e.code().name}: {e.details()}{before}")
        return received

    def accepted_whole(response, what):
        """A message refused whole (OpenResponse.error / PublishResponse.error, e.g. BATCH_TOO_LARGE):
        none of its commands ran and its results are empty, so there is nothing else to read."""
        if response.HasField("error"):
            code = code_name(errors_pb2.ErrorCode, response.error.code)
            sys.exit(f"not ok - {what} refused whole: {code}: {response.error.message}")
        return response

    def ran(response, what):
        """A command or report the sidecar could not run (CommandResult.error / ReportResult.error,
        e.g. ACCOUNT_PINNED_ELSEWHERE when another channel holds the account): its result has
        nothing else to read (an error result even reads as an execute not accepted), so every
        result is checked here before any is read."""
        for i, result in enumerate(response.results, 1):
            if result.WhichOneof("result") == "error":
                e = result.error
                owner = f" (owner {e.owner_address})" if e.owner_address else ""
                sys.exit(f"not ok - {what} {i} of {len(response.results)}: "
                         f"{code_name(errors_pb2.ErrorCode, e.code)}: {e.message}{owner}")
        return response

    # Every call carries `timeout=deadline_s`. Keepalive gives up a connection whose pings go
    # unanswered; the deadline also ends a call that is never answered on a connection that is.
    grpc_channel = grpc.insecure_channel(address, options=KEEPALIVE)
    aapl = types_pb2.Instrument(underlying_asset="AAPL", settlement_asset="USD")
    admin = admin_pb2_grpc.AdminServiceStub(grpc_channel)

    def account_state():
        return call("GetAccountState", lambda: admin.GetAccountState(
            admin_pb2.GetAccountStateRequest(account_id=account), timeout=deadline_s))

    def amount(state, asset, field):
        # Decimals are strings: parse them exactly (a holding may be fractional, e.g. "0.5").
        return next((Decimal(getattr(h, field)) for h in state.holdings if h.asset == asset), Decimal(0))

    # The AAPL check is a delta, so the example can run again on the same account; USD held is
    # compared with what it was, since other runs' open orders (the TypeScript example's
    # committed 10@185 on account 42) keep their holds.
    before = account_state()
    aapl_before = amount(before, "AAPL", "available")
    usd_held_before = amount(before, "USD", "held")

    def order(qty, price):
        return types_pb2.Order(instrument=aapl, account_id=account, side=types_pb2.SIDE_BUY, quantity=qty, price=price)

    requests = [
        channel_pb2.OpenRequest(correlation_id=1, commands=[channel_pb2.Command(
            apply_account_adjustment=channel_pb2.ApplyAccountAdjustment(account_id=account, adjustments=[
                types_pb2.AccountAdjustment(
                    balance=types_pb2.BalanceOperation(asset="USD"),
                    balance_amount=types_pb2.AdjustmentAmount(absolute="10000"))]))]),
        channel_pb2.OpenRequest(correlation_id=2, commands=[
            channel_pb2.Command(execute_pre_trade=channel_pb2.ExecutePreTrade(order=order("10", "200"), commit_on_accept=True)),
            channel_pb2.Command(execute_pre_trade=channel_pb2.ExecutePreTrade(order=order("100", "200"))),
        ]),
    ]
    channel = channel_pb2_grpc.AccountChannelServiceStub(grpc_channel)
    responses = answers("account channel", lambda: channel.Open(iter(requests), timeout=deadline_s))
    by_id = {r.correlation_id: ran(accepted_whole(r, f"message {r.correlation_id}"), f"message {r.correlation_id} command")
             for r in responses if r.correlation_id}

    seeded = by_id[1].results[0]
    check(seeded.WhichOneof("result") == "adjustment" and seeded.adjustment.accepted, "funds seeded on the channel")
    accepted, rejected = by_id[2].results
    # A failed check says what the sidecar answered (a blocked account, another limit), not only what was expected.
    check(accepted.execute.accepted and accepted.execute.committed,
          "order 10@200 accepted and committed" + ("" if accepted.execute.accepted else f" (rejected: {rejects_text(types_pb2, accepted.execute)})"))
    lock = accepted.execute.lock
    check([p.price for p in lock.prices] == ["200"], "reservation lock carries the price 200")
    check(not rejected.execute.accepted and len(rejected.execute.rejects) > 0, "order 100@200 rejected")
    reject = rejected.execute.rejects[0]
    check(reject.code == types_pb2.REJECT_CODE_INSUFFICIENT_FUNDS,
          "reject code is InsufficientFunds" + ("" if reject.code == types_pb2.REJECT_CODE_INSUFFICIENT_FUNDS else f" (got {rejects_text(types_pb2, rejected.execute)})"))
    check(reject.details == "asset USD: available 8000, requested 20000", f"reject details: {reject.details}")

    fill = types_pb2.ExecutionReport(
        instrument=aapl, account_id=account, side=types_pb2.SIDE_BUY,
        last_trade=types_pb2.Trade(price="199", quantity="10"), leaves_quantity="0", lock=lock, is_final=True,
        # A buy opens a position: no realized P&L, no fee here. Without them the P&L kill
        # switch cannot account for the fill and blocks the account.
        pnl="0", fee="0",
        # The venue's id of this execution (FIX ExecID; here one per run): re-sent after a
        # broken stream, the report is answered duplicate_execution_id, not applied twice.
        execution_id=f"example-{time.time_ns()}")
    feed = feed_pb2_grpc.ExecutionReportFeedServiceStub(grpc_channel)
    feed_responses = answers("feed", lambda: feed.Publish(
        iter([feed_pb2.PublishRequest(correlation_id=7, reports=[fill])]), timeout=deadline_s))
    ran(accepted_whole(feed_responses[0], "feed message 7"), "feed message 7 report")
    check(feed_responses[0].correlation_id == 7, "feed echoes the correlation id")
    check(feed_responses[0].results[0].WhichOneof("result") == "post_trade", "fill applied from the feed")

    state = account_state()
    holdings = {h.asset: h for h in state.holdings}
    # 10000 - 10 x 200 held, then filled at 199: the 10 of price improvement comes back.
    usd = holdings["USD"]
    check(usd.available == "8010" and Decimal(usd.held) == usd_held_before,
          f"USD available {usd.available} (8010), held {usd.held} ({usd_held_before} before the run)")
    check(Decimal(holdings["AAPL"].available) == aapl_before + 10, f"AAPL available {holdings['AAPL'].available} (+10)")
    check(not state.HasField("block"), "the account is not blocked (rerunnable)")
    print("python client: all checks passed")


if __name__ == "__main__":
    main()
