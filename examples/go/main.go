// A gateway in Go talking to openpit-sidecar through stubs generated from proto/.
//
// Build: examples/go/build.sh OUT_BINARY  (generates the stubs and builds this file)
// Run:   OUT_BINARY HOST:PORT ACCOUNT_ID
//        OPENPIT_DEADLINE_MS in the environment bounds the whole run (default 20000, at most 2000000000)
//
// The same orders, fill and numbers as examples/python/sidecar_client.py. Here: a health
// check, bind the account, seed 10000 USD, order 10@200 accepted and committed, order
// 100@200 rejected for insufficient funds (reject code shown), the fill at 199 through the
// execution-report feed, then the account state read through the admin API. Exits non-zero
// on any mismatch, on a message the sidecar refuses whole or a command it could not run, and
// when the deadline passes.
package main

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	sidecarv1 "github.com/openpit/openpit-sidecar/gen/go/openpit/sidecar/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"
)

// rejectsText is what a rejected order's answer says: every reject's code, policy, reason and details.
func rejectsText(execute *sidecarv1.ExecuteResult) string {
	parts := []string{}
	for _, r := range execute.GetRejects() {
		parts = append(parts, fmt.Sprintf("%s [%s] %s: %s", r.Code, r.Policy, r.Reason, r.Details))
	}
	if len(parts) == 0 {
		return "no rejects"
	}
	return strings.Join(parts, "; ")
}

func check(condition bool, message string) {
	if !condition {
		fmt.Fprintf(os.Stderr, "not ok - %s\n", message)
		os.Exit(1)
	}
	fmt.Printf("ok - %s\n", message)
}

// The gRPC spec's names of the status codes, as the Python and C++ examples print them
// (grpc-go's codes.Code prints "DeadlineExceeded").
var codeNames = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
	codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
	codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
	codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
	codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
	codes.Unauthenticated: "UNAUTHENTICATED",
}

// failed ends the run on a failed call with one line, as the Python and C++ examples do:
// "not ok - WHAT: CODE: message", e.g. "not ok - receive: DEADLINE_EXCEEDED: context deadline
// exceeded" when the network went silent.
func failed(what string, st *status.Status) {
	name, ok := codeNames[st.Code()]
	if !ok {
		name = fmt.Sprintf("CODE_%d", uint32(st.Code()))
	}
	fmt.Fprintf(os.Stderr, "not ok - %s: %s: %s\n", what, name, st.Message())
	os.Exit(1)
}

// statusOf is a failed call's gRPC status, or a context's error as one.
func statusOf(err error) *status.Status {
	st, ok := status.FromError(err)
	if !ok {
		st = status.FromContextError(err)
	}
	return st
}

// must ends the run when a call failed.
func must(err error, what string) {
	if err != nil {
		failed(what, statusOf(err))
	}
}

// answeredBefore names the messages a stream answered before it failed, for the failure line:
// " (answered before it failed: message 1, message 2)", or "" when none was.
func answeredBefore(ids []uint64) string {
	if len(ids) == 0 {
		return ""
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = fmt.Sprintf("message %d", id)
	}
	return " (answered before it failed: " + strings.Join(names, ", ") + ")"
}

// sent ends the run when a Send on a stream failed. grpc-go's Send returns io.EOF once the
// stream has ended, without its status: Recv returns that (after any answers still unread).
func sent(err error, recv func() error, what string) {
	if err == io.EOF {
		for err = recv(); err == nil; err = recv() {
		}
		if err == io.EOF {
			failed(what, status.New(codes.OK, "the sidecar ended the stream before this message was sent"))
		}
	}
	must(err, what)
}

// refusedWhole fails the run on a message the sidecar refused whole (OpenResponse.error,
// PublishResponse.error, e.g. BATCH_TOO_LARGE): none of its commands ran, its results are empty.
func refusedWhole(e *sidecarv1.CommandError, what string) {
	if e != nil {
		fmt.Fprintf(os.Stderr, "not ok - %s refused whole: %s: %s\n", what, e.Code, e.Message)
		os.Exit(1)
	}
}

// ran fails the run on a command or report the sidecar could not run (CommandResult.error,
// ReportResult.error, e.g. ACCOUNT_PINNED_ELSEWHERE when another channel holds the account):
// its result has nothing else to read, so every result's GetError() goes through here before
// any is read. what: e.g. "message 2 command 1 of 2".
func ran(e *sidecarv1.CommandError, what string) {
	if e == nil {
		return
	}
	owner := ""
	if e.OwnerAddress != "" {
		owner = " (owner " + e.OwnerAddress + ")"
	}
	fmt.Fprintf(os.Stderr, "not ok - %s: %s: %s%s\n", what, e.Code, e.Message, owner)
	os.Exit(1)
}

func str(s string) *string { return &s }

const usage = `usage: sidecar-client HOST:PORT ACCOUNT_ID
       OPENPIT_DEADLINE_MS=N: the whole run's deadline in milliseconds, 1..2000000000 (default 20000)`

// The longest OPENPIT_DEADLINE_MS taken (see main).
const maxDeadlineMs = 2000000000

func usageError() {
	fmt.Fprintln(os.Stderr, usage)
	os.Exit(2)
}

func main() {
	if len(os.Args) != 3 {
		usageError()
	}
	address := os.Args[1]
	// 0 is "missing" on the wire (proto3 default), never an account the sidecar can use.
	account, err := strconv.ParseUint(os.Args[2], 10, 64)
	if err != nil || account == 0 {
		usageError()
	}
	deadline := 20 * time.Second
	if ms, ok := os.LookupEnv("OPENPIT_DEADLINE_MS"); ok {
		// At most 2e9 ms (about 23 days): a grpc-js server (the sidecar) reads the grpc-timeout
		// header into a 32-bit int, so a deadline of 2^31 ms or more turns negative there and
		// the call ends DEADLINE_EXCEEDED at once (found by review).
		n, err := strconv.ParseUint(ms, 10, 64)
		if err != nil || n == 0 || n > maxDeadlineMs {
			usageError()
		}
		deadline = time.Duration(n) * time.Millisecond
	}

	// Every call runs under this context: on a network that went silent a call fails with
	// DeadlineExceeded instead of waiting forever.
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	// Debian's grpc-go is 1.33: WithInsecure (insecure.NewCredentials came later).
	// Client keepalive, as the other clients ping (docs/clients.md): a connection that went
	// silent is given up in about 15 s, a stream's call failing UNAVAILABLE, not left to wait for
	// the deadline. grpc-go pings no more often than every 10 s; the server permits that.
	// WithReturnConnectionError blocks as WithBlock does, until connected or the deadline, and
	// then names the last connection error.
	conn, err := grpc.DialContext(ctx, address, grpc.WithInsecure(), grpc.WithReturnConnectionError(),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 10 * time.Second, Timeout: 5 * time.Second, PermitWithoutStream: true}))
	if err != nil {
		// Not a gRPC status (the context's error, or the last connection error): named as the
		// Python and C++ examples' first call fails, DEADLINE_EXCEEDED when the deadline passed
		// while connecting, else UNAVAILABLE.
		code, message := codes.Unavailable, err.Error()
		if ctx.Err() != nil {
			code, message = codes.DeadlineExceeded, "no connection to "+address+" within the deadline"
			if err != ctx.Err() { // "context deadline exceeded: " and the last connection error
				message += "; last error: " + strings.TrimPrefix(err.Error(), ctx.Err().Error()+": ")
			}
		}
		failed("dial", status.New(code, message))
	}
	defer conn.Close()

	health, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	must(err, "health check")
	check(health.Status == healthpb.HealthCheckResponse_SERVING, "health is SERVING")

	admin := sidecarv1.NewAdminServiceClient(conn)
	// Holdings by asset; the AAPL check is a delta, so the example can run again on the same account.
	holdingsOf := func() map[string]*sidecarv1.Holding {
		state, err := admin.GetAccountState(ctx, &sidecarv1.GetAccountStateRequest{AccountId: account})
		must(err, "GetAccountState")
		holdings := map[string]*sidecarv1.Holding{}
		for _, h := range state.Holdings {
			holdings[h.Asset] = h
		}
		return holdings
	}
	// Decimals are strings: parse them exactly (a holding may be fractional, e.g. "0.5"),
	// never through a float or an integer.
	exact := func(text, what string) *big.Rat {
		r := new(big.Rat)
		if _, ok := r.SetString(text); !ok {
			check(false, fmt.Sprintf("%s %q is a decimal", what, text))
		}
		return r
	}
	available := func(h *sidecarv1.Holding) *big.Rat {
		if h == nil {
			return new(big.Rat)
		}
		return exact(h.Available, "available amount")
	}
	held := func(h *sidecarv1.Holding) *big.Rat {
		if h == nil {
			return new(big.Rat)
		}
		return exact(h.Held, "held amount")
	}
	// The AAPL check is a delta, so the example can run again on the same account; USD held is
	// compared with what it was, since other runs' open orders (the TypeScript example's
	// committed 10@185 on account 42) keep their holds.
	before := holdingsOf()
	aaplBefore := available(before["AAPL"])
	usdHeldBefore := held(before["USD"])
	// Printed as the sidecar sent it, as the Python and C++ examples do: big.Rat's RatString
	// wrote a fractional hold as a fraction, "1/2" beside "0.5" (found by review).
	usdHeldBeforeText := before["USD"].GetHeld()
	if usdHeldBeforeText == "" {
		usdHeldBeforeText = "0"
	}

	aapl := &sidecarv1.Instrument{UnderlyingAsset: "AAPL", SettlementAsset: "USD"}
	order := func(qty, price string) *sidecarv1.Order {
		return &sidecarv1.Order{Instrument: aapl, AccountId: account, Side: sidecarv1.Side_SIDE_BUY,
			TradeAmount: &sidecarv1.Order_Quantity{Quantity: qty}, Price: str(price)}
	}
	execute := func(o *sidecarv1.Order, commit bool) *sidecarv1.Command {
		return &sidecarv1.Command{Command: &sidecarv1.Command_ExecutePreTrade{
			ExecutePreTrade: &sidecarv1.ExecutePreTrade{Order: o, CommitOnAccept: commit}}}
	}
	requests := []*sidecarv1.OpenRequest{
		{CorrelationId: 1, Commands: []*sidecarv1.Command{{Command: &sidecarv1.Command_BindAccounts{
			BindAccounts: &sidecarv1.BindAccounts{AccountIds: []uint64{account}}}}}},
		{CorrelationId: 2, Commands: []*sidecarv1.Command{{Command: &sidecarv1.Command_ApplyAccountAdjustment{
			ApplyAccountAdjustment: &sidecarv1.ApplyAccountAdjustment{AccountId: account, Adjustments: []*sidecarv1.AccountAdjustment{{
				Operation:     &sidecarv1.AccountAdjustment_Balance{Balance: &sidecarv1.BalanceOperation{Asset: "USD"}},
				BalanceAmount: &sidecarv1.AdjustmentAmount{Amount: &sidecarv1.AdjustmentAmount_Absolute{Absolute: "10000"}},
			}}}}}}},
		{CorrelationId: 3, Commands: []*sidecarv1.Command{execute(order("10", "200"), true), execute(order("100", "200"), false)}},
	}

	// Pipelined: every request goes out before any answer is read; answers are matched by id.
	stream, err := sidecarv1.NewAccountChannelServiceClient(conn).Open(ctx)
	must(err, "open channel")
	for _, r := range requests {
		sent(stream.Send(r), func() error { _, err := stream.Recv(); return err }, "send")
	}
	must(stream.CloseSend(), "close send")
	byID := map[uint64]*sidecarv1.OpenResponse{}
	answered := []uint64{}
	for {
		r, err := stream.Recv()
		if err == io.EOF {
			break
		}
		// What was answered before a failure stands (an order committed on accept stays
		// committed): the line names it, and a gateway keeps those answers.
		if err != nil {
			st := statusOf(err)
			failed("receive", status.New(st.Code(), st.Message()+answeredBefore(answered)))
		}
		if r.CorrelationId != 0 {
			answered = append(answered, r.CorrelationId)
		}
		refusedWhole(r.Error, fmt.Sprintf("message %d", r.CorrelationId))
		for i, result := range r.Results {
			ran(result.GetError(), fmt.Sprintf("message %d command %d of %d", r.CorrelationId, i+1, len(r.Results)))
		}
		byID[r.CorrelationId] = r
	}

	check(len(byID[1].GetResults()) == 1 && byID[1].Results[0].GetBind() != nil, "account bound to the channel")
	seeded := byID[2].GetResults()[0].GetAdjustment()
	check(seeded != nil && seeded.Accepted, "funds seeded on the channel")
	results := byID[3].GetResults()
	check(len(results) == 2, "two results for the two orders")
	accepted, rejected := results[0].GetExecute(), results[1].GetExecute()
	// A failed check says what the sidecar answered (a blocked account, another limit), not only what was expected.
	acceptedWhat := "order 10@200 accepted and committed"
	if !accepted.GetAccepted() {
		acceptedWhat += " (rejected: " + rejectsText(accepted) + ")"
	}
	check(accepted.GetAccepted() && accepted.GetCommitted(), acceptedWhat)
	lock := accepted.GetLock()
	check(len(lock.GetPrices()) == 1 && lock.Prices[0].Price == "200", "reservation lock carries the price 200")
	check(rejected != nil && !rejected.Accepted && len(rejected.Rejects) > 0, "order 100@200 rejected")
	reject := rejected.Rejects[0]
	fmt.Printf("reject: code %s (%d), details %q\n", reject.Code, int32(reject.Code), reject.Details)
	codeWhat := "reject code is InsufficientFunds"
	if reject.Code != sidecarv1.RejectCode_REJECT_CODE_INSUFFICIENT_FUNDS {
		codeWhat += " (got " + rejectsText(rejected) + ")"
	}
	check(reject.Code == sidecarv1.RejectCode_REJECT_CODE_INSUFFICIENT_FUNDS, codeWhat)
	check(reject.Details == "asset USD: available 8000, requested 20000", "reject details: "+reject.Details)

	fill := &sidecarv1.ExecutionReport{Instrument: aapl, AccountId: account, Side: sidecarv1.Side_SIDE_BUY,
		LastTrade: &sidecarv1.Trade{Price: "199", Quantity: "10"}, LeavesQuantity: str("0"), Lock: lock, IsFinal: true,
		// A buy opens a position: no realized P&L, no fee. Without them the P&L kill switch
		// cannot account for the fill and blocks the account (MissingRequiredField).
		Pnl: str("0"), Fee: str("0"),
		// The venue's id of this execution (FIX ExecID; here one per run): re-sent after a
		// broken stream, the report is answered DuplicateExecutionId, not applied twice.
		ExecutionId: str(fmt.Sprintf("example-%d", time.Now().UnixNano()))}
	feed, err := sidecarv1.NewExecutionReportFeedServiceClient(conn).Publish(ctx)
	must(err, "open feed")
	sent(feed.Send(&sidecarv1.PublishRequest{CorrelationId: 7, Reports: []*sidecarv1.ExecutionReport{fill}}),
		func() error { _, err := feed.Recv(); return err }, "publish")
	must(feed.CloseSend(), "close feed")
	published, err := feed.Recv()
	must(err, "feed answer")
	refusedWhole(published.Error, "feed message 7")
	for i, result := range published.Results {
		ran(result.GetError(), fmt.Sprintf("feed message 7 report %d of %d", i+1, len(published.Results)))
	}
	check(published.CorrelationId == 7, "feed echoes the correlation id")
	check(len(published.Results) == 1 && published.Results[0].GetPostTrade() != nil, "fill applied from the feed")

	holdings := holdingsOf()
	usd, stock := holdings["USD"], holdings["AAPL"]
	// 10000 - 10 x 200 held, then filled at 199: the 10 of price improvement comes back.
	check(usd != nil && usd.Available == "8010" && held(usd).Cmp(usdHeldBefore) == 0,
		fmt.Sprintf("USD available %s (8010), held %s (%s before the run)", usd.GetAvailable(), usd.GetHeld(), usdHeldBeforeText))
	check(available(stock).Cmp(new(big.Rat).Add(aaplBefore, big.NewRat(10, 1))) == 0, fmt.Sprintf("AAPL available %s (+10)", stock.GetAvailable()))
	fmt.Println("go client: all checks passed")
}
