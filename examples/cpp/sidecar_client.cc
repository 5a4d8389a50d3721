// A gateway in C++ talking to openpit-sidecar through stubs generated from proto/.
//
// Usage: sidecar_client HOST:PORT ACCOUNT_ID   (build it with build.sh next to this file)
//        OPENPIT_DEADLINE_MS in the environment: each call's deadline (default 20000)
//
// The same orders, fill and numbers as examples/python/sidecar_client.py, so a contract
// change that breaks one language shows in both. Here: a health check, then bind the account
// and seed USD on an account channel, two orders (one accepted and committed, one rejected
// for insufficient funds, shown with its reject code), a fill through the execution-report
// feed, then the account state through the admin API. Exits non-zero on any mismatch, on a
// message the sidecar refuses whole or a command it could not run, and on a call that fails
// or outlives its deadline.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "openpit/sidecar/v1/admin.grpc.pb.h"
#include "openpit/sidecar/v1/channel.grpc.pb.h"
#include "openpit/sidecar/v1/feed.grpc.pb.h"

namespace v1 = openpit::sidecar::v1;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

namespace {

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "not ok - " << message << std::endl;
  std::exit(1);
}

// A code a newer sidecar sends and these stubs do not know is shown as its number: the
// generated name functions give "" for it, which printed an empty code.
std::string reject_code_name(int code) {
  const std::string name = v1::RejectCode_Name(code);
  return name.empty() ? std::to_string(code) : name;
}

std::string error_code_name(int code) {
  const std::string name = v1::ErrorCode_Name(code);
  return name.empty() ? std::to_string(code) : name;
}

// What a rejected order's answer says: every reject's code, policy, reason and details.
std::string rejects_text(const v1::ExecuteResult& execute) {
  std::string text;
  for (const auto& r : execute.rejects()) {
    if (!text.empty()) text += "; ";
    text += reject_code_name(r.code()) + " [" + r.policy() + "] " + r.reason() + ": " + r.details();
  }
  return text.empty() ? "no rejects" : text;
}

void check(bool condition, const std::string& message) {
  if (!condition) fail(message);
  std::cout << "ok - " << message << std::endl;
}

// A failed call is one clear line, e.g. "not ok - account channel: gRPC status 4 (deadline
// exceeded): Deadline Exceeded" when the network went silent.
// `answered`: the messages a stream had answered before it failed. What they did stands (an
// order committed on accept stays committed), so the line names them: a gateway keeps those
// answers and reconciles only the others.
void check_status(const grpc::Status& status, const std::string& what, const std::vector<uint64_t>& answered = {}) {
  if (status.ok()) return check(true, what + " returned OK");
  const auto code = status.error_code();
  std::string before;
  for (const auto id : answered) before += (before.empty() ? " (answered before it failed: message " : ", message ") + std::to_string(id);
  fail(what + ": gRPC status " + std::to_string(code) +
       (code == grpc::StatusCode::DEADLINE_EXCEEDED ? " (deadline exceeded)"
        : code == grpc::StatusCode::UNAVAILABLE     ? " (unavailable)"
                                                    : "") +
       ": " + status.error_message() + (before.empty() ? "" : before + ")"));
}

// A message refused whole (OpenResponse.error / PublishResponse.error, e.g. BATCH_TOO_LARGE):
// none of its commands ran and its results are empty.
void check_not_refused(const v1::CommandError& error, bool refused, const std::string& what) {
  if (refused)
    fail(what + " refused whole: " + error_code_name(error.code()) + ": " + error.message());
}

// A command or report the sidecar could not run (CommandResult.error / ReportResult.error, e.g.
// ACCOUNT_PINNED_ELSEWHERE when another channel holds the account): its result has nothing
// else to read, so every result goes through here before any is read. Results: a message's
// repeated CommandResult or ReportResult; what: e.g. "message 2 command", then "1 of 2".
template <typename Results>
void check_ran(const Results& results, const std::string& what) {
  for (int i = 0; i < results.size(); ++i) {
    if (!results[i].has_error()) continue;
    const v1::CommandError& e = results[i].error();
    fail(what + " " + std::to_string(i + 1) + " of " + std::to_string(results.size()) + ": " +
         error_code_name(e.code()) + ": " + e.message() +
         (e.owner_address().empty() ? "" : " (owner " + e.owner_address() + ")"));
  }
}

// Each call's deadline (OPENPIT_DEADLINE_MS), set on every ClientContext. Keepalive gives up
// a connection whose pings go unanswered; the deadline also ends a call that is never
// answered on a connection that is.
std::chrono::milliseconds call_deadline{20000};

void with_deadline(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + call_deadline);
}

v1::Order order(uint64_t account, const std::string& qty, const std::string& price) {
  v1::Order o;
  o.mutable_instrument()->set_underlying_asset("AAPL");
  o.mutable_instrument()->set_settlement_asset("USD");
  o.set_account_id(account);
  o.set_side(v1::SIDE_BUY);
  o.set_quantity(qty);
  o.set_price(price);
  return o;
}

// The account's holdings by asset, through the admin API.
std::map<std::string, v1::Holding> holdings_of(const std::shared_ptr<grpc::Channel>& channel,
                                               uint64_t account) {
  grpc::ClientContext ctx;
  with_deadline(ctx);
  v1::GetAccountStateRequest req;
  req.set_account_id(account);
  v1::GetAccountStateResponse state;
  check_status(v1::AdminService::NewStub(channel)->GetAccountState(&ctx, req, &state),
               "GetAccountState");
  std::map<std::string, v1::Holding> holdings;
  for (const auto& h : state.holdings()) holdings[h.asset()] = h;
  return holdings;
}

// A decimal string ("-12.50") as an exact unscaled integer and its scale; never a float, and
// never truncated (std::stoll("0.5") would silently read 0). The sidecar's decimals have up to
// 28 places and a 96-bit unscaled value (29 digits), more than a long long holds: 128 bits
// hold any of them, and every step below is checked, so a value out of range is a failed
// check, never a wrong answer or a crash.
struct Decimal {
  __int128 units = 0;
  int scale = 0;
};

bool times_ten(__int128& v) { return !__builtin_mul_overflow(v, 10, &v); }

Decimal parse_decimal(const std::string& s) {
  Decimal d;
  const bool negative = !s.empty() && s[0] == '-';
  bool point = false, digits = false, in_range = true;
  for (size_t i = negative ? 1 : 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') fail("decimal " + s);
    digits = true;
    in_range = in_range && times_ten(d.units) && !__builtin_add_overflow(d.units, c - '0', &d.units);
    if (point) ++d.scale;
  }
  if (!digits) fail("decimal " + s);
  if (!in_range) fail("decimal " + s + " out of range");
  if (negative) d.units = -d.units;
  return d;
}

// a + delta == b, exactly (false also when aligning the scales would overflow).
bool plus_equals(Decimal a, long long delta, Decimal b) {
  __int128 d = delta;
  bool in_range = true;
  while (a.scale < b.scale) in_range = in_range && times_ten(a.units), ++a.scale;
  while (b.scale < a.scale) in_range = in_range && times_ten(b.units), ++b.scale;
  for (int i = 0; i < a.scale; ++i) in_range = in_range && times_ten(d);
  __int128 sum = 0;
  return in_range && !__builtin_add_overflow(a.units, d, &sum) && sum == b.units;
}

// A holding's available amount ("0" when absent).
Decimal available(const std::map<std::string, v1::Holding>& holdings, const std::string& asset) {
  auto it = holdings.find(asset);
  return it == holdings.end() ? Decimal{} : parse_decimal(it->second.available());
}

// A holding's held amount ("0" when absent).
Decimal held(const std::map<std::string, v1::Holding>& holdings, const std::string& asset) {
  auto it = holdings.find(asset);
  return it == holdings.end() ? Decimal{} : parse_decimal(it->second.held());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage = std::string("usage: ") + argv[0] +
                            " HOST:PORT ACCOUNT_ID\n"
                            "       OPENPIT_DEADLINE_MS=N: each call's deadline in milliseconds "
                            "(default 20000)";
  if (argc != 3) {
    std::cerr << usage << std::endl;
    return 2;
  }
  const std::string address = argv[1];
  // Digits only: std::stoull alone reads "-1" as 2^64-1 and "42abc" as 42.
  const std::string account_arg = argv[2];
  uint64_t account = 0;
  try {
    if (account_arg.empty() || account_arg.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument(account_arg);
    account = std::stoull(account_arg);
    // 0 is "missing" on the wire (proto3 default), never an account the sidecar can use.
    if (account == 0) throw std::invalid_argument(account_arg);
  } catch (const std::exception&) {
    std::cerr << "ACCOUNT_ID must be a uint64 above 0: " << account_arg << "\n" << usage << std::endl;
    return 2;
  }
  if (const char* ms = std::getenv("OPENPIT_DEADLINE_MS")) {
    const std::string text = ms;
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(text) == 0) {
      std::cerr << usage << std::endl;
      return 2;
    }
    call_deadline = std::chrono::milliseconds(std::stoul(text));
  }
  // Client keepalive, as the TypeScript client (src/client/grpc-clients.ts) and the server's
  // defaults: ping every 5 s, give the connection up when a ping is not answered within 5 s.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  // gRPC core sends at most two pings while the client sends no data (default 2), and a
  // gateway's channel sits idle between orders: after two pings a partition went unnoticed
  // until the deadline (found by review). 0: no limit (the sidecar's server sets none).
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);

  // Health of the whole process (service ""): SERVING once recovery is done.
  {
    grpc::ClientContext ctx;
    with_deadline(ctx);
    ctx.set_wait_for_ready(true);
    HealthCheckRequest req;
    HealthCheckResponse res;
    check_status(grpc::health::v1::Health::NewStub(channel)->Check(&ctx, req, &res), "health check");
    check(res.status() == HealthCheckResponse::SERVING, "sidecar is SERVING");
  }

  // The AAPL check is a delta, so the example can run again on the same account; USD held is
  // compared with what it was, since other runs' open orders (the TypeScript example's
  // committed 10@185 on account 42) keep their holds.
  const auto before = holdings_of(channel, account);
  const Decimal aapl_before = available(before, "AAPL");
  const Decimal usd_held_before = held(before, "USD");

  // The account channel: all requests written (pipelined) before reading, as a gateway may.
  std::map<uint64_t, v1::OpenResponse> by_id;
  {
    grpc::ClientContext ctx;
    with_deadline(ctx);
    auto stream = v1::AccountChannelService::NewStub(channel)->Open(&ctx);
    v1::OpenRequest seed;
    seed.set_correlation_id(1);
    seed.add_commands()->mutable_bind_accounts()->add_account_ids(account);
    auto* adj = seed.add_commands()->mutable_apply_account_adjustment();
    adj->set_account_id(account);
    auto* usd = adj->add_adjustments();
    usd->mutable_balance()->set_asset("USD");
    usd->mutable_balance_amount()->set_absolute("10000");
    stream->Write(seed);

    v1::OpenRequest orders;
    orders.set_correlation_id(2);
    auto* accept = orders.add_commands()->mutable_execute_pre_trade();
    *accept->mutable_order() = order(account, "10", "200");
    accept->set_commit_on_accept(true);
    *orders.add_commands()->mutable_execute_pre_trade()->mutable_order() = order(account, "100", "200");
    stream->Write(orders);
    stream->WritesDone();

    v1::OpenResponse res;
    // Notices (correlation id 0) are not answers to our requests.
    while (stream->Read(&res)) {
      if (res.correlation_id() != 0) by_id[res.correlation_id()] = res;
    }
    std::vector<uint64_t> answered;
    for (const auto& [id, answer] : by_id) answered.push_back(id);
    check_status(stream->Finish(), "account channel", answered);
    for (const auto& [id, answer] : by_id) {
      check_not_refused(answer.error(), answer.has_error(), "message " + std::to_string(id));
      check_ran(answer.results(), "message " + std::to_string(id) + " command");
    }
  }
  check(by_id.count(1) && by_id[1].results_size() == 2, "bind + seed answered with two results");
  const auto& bound = by_id[1].results(0);
  check(bound.has_bind() && bound.bind().taken_over_size() == 0, "account bound to the channel");
  const auto& seeded = by_id[1].results(1);
  check(seeded.has_adjustment() && seeded.adjustment().accepted(), "funds seeded on the channel");

  check(by_id.count(2) && by_id[2].results_size() == 2, "two orders answered");
  const auto& accepted = by_id[2].results(0).execute();
  // A failed check says what the sidecar answered (a blocked account, another limit), not only what was expected.
  check(accepted.accepted() && accepted.committed(),
        "order 10@200 accepted and committed" + (accepted.accepted() ? std::string() : " (rejected: " + rejects_text(accepted) + ")"));
  const v1::PreTradeLock lock = accepted.lock();
  check(lock.prices_size() == 1 && lock.prices(0).price() == "200",
        "reservation lock carries the price 200");
  const auto& rejected = by_id[2].results(1).execute();
  check(!rejected.accepted() && rejected.rejects_size() > 0, "order 100@200 rejected");
  const auto& reject = rejected.rejects(0);
  std::cout << "# reject: code " << reject_code_name(reject.code()) << " (" << reject.code()
            << "), policy " << reject.policy() << ", reason " << reject.reason() << std::endl;
  check(reject.code() == v1::REJECT_CODE_INSUFFICIENT_FUNDS,
        "reject code is InsufficientFunds" +
            (reject.code() == v1::REJECT_CODE_INSUFFICIENT_FUNDS ? std::string() : " (got " + rejects_text(rejected) + ")"));
  check(reject.details() == "asset USD: available 8000, requested 20000",
        "reject details: " + reject.details());

  // The fill arrives through the execution-report feed, carrying the order's lock.
  {
    grpc::ClientContext ctx;
    with_deadline(ctx);
    auto stream = v1::ExecutionReportFeedService::NewStub(channel)->Publish(&ctx);
    v1::PublishRequest req;
    req.set_correlation_id(7);
    auto* fill = req.add_reports();
    fill->mutable_instrument()->set_underlying_asset("AAPL");
    fill->mutable_instrument()->set_settlement_asset("USD");
    fill->set_account_id(account);
    fill->set_side(v1::SIDE_BUY);
    fill->mutable_last_trade()->set_price("199");
    fill->mutable_last_trade()->set_quantity("10");
    fill->set_leaves_quantity("0");
    *fill->mutable_lock() = lock;
    fill->set_is_final(true);
    // A buy opens a position: no realized P&L, no fee. Without them the P&L kill switch
    // cannot account for the fill and blocks the account (MissingRequiredField).
    fill->set_pnl("0");
    fill->set_fee("0");
    // The venue's id of this execution (FIX ExecID; here one per run): re-sent after a
    // broken stream, the report is answered duplicate_execution_id, not applied twice.
    fill->set_execution_id("example-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()));
    stream->Write(req);
    stream->WritesDone();
    std::vector<v1::PublishResponse> answers;
    v1::PublishResponse res;
    while (stream->Read(&res)) answers.push_back(res);
    std::vector<uint64_t> answered;
    for (const auto& answer : answers) answered.push_back(answer.correlation_id());
    check_status(stream->Finish(), "feed", answered);
    for (const auto& answer : answers) {
      check_not_refused(answer.error(), answer.has_error(), "feed message 7");
      check_ran(answer.results(), "feed message 7 report");
    }
    check(!answers.empty() && answers[0].correlation_id() == 7, "feed echoes the correlation id");
    check(answers[0].results_size() == 1 && answers[0].results(0).has_post_trade(),
          "fill applied from the feed");
  }

  {
    auto holdings = holdings_of(channel, account);
    // 10000 - 10 x 200 held, then filled at 199: the 10 of price improvement comes back.
    const auto& cash = holdings["USD"];
    check(cash.available() == "8010" && plus_equals(usd_held_before, 0, held(holdings, "USD")),
          "USD available " + cash.available() + " (8010), held " + cash.held() + " (as before the run)");
    check(plus_equals(aapl_before, 10, available(holdings, "AAPL")),
          "AAPL available " + holdings["AAPL"].available() + " (+10)");
  }
  std::cout << "c++ client: all checks passed" << std::endl;
  return 0;
}
