// The openpit-sidecar web console: plain browser JavaScript, no build step. Every read and
// change is an AdminService call through /console/api/admin/<Method> (protobuf JSON), and
// the live events come from /console/api/events (server-sent events). The server checks
// who may do what, exactly as for gRPC clients (docs/operating.md, "Web console").
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "openpit-console-token";
const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
// What a browser sends in a header: a token pasted with a character past ISO-8859-1 (a
// zero-width space, a typographic quote) made every fetch throw before it was sent, so no 401
// brought the form back, and a reload read the same token again: the tab was locked (found by
// review, session 37). Bearer tokens are printable ASCII.
const SENDABLE_TOKEN = /^[\x21-\x7e]+$/;
const UNSENDABLE_TOKEN = "that token holds a character a browser cannot send (a space or a character pasted with it?): enter the token alone";

function headers() {
  const h = { "content-type": "application/json", "x-openpit-console": "1" };
  if (token()) h.authorization = `Bearer ${token()}`;
  return h;
}

class ApiError extends Error {
  constructor(body, httpStatus) {
    super(body.message || `HTTP ${httpStatus}`);
    this.code = body.code;
    this.kind = body.kind;
    this.httpStatus = httpStatus;
  }
}

async function admin(method, request = {}) {
  const res = await fetch(`api/admin/${method}`, { method: "POST", headers: headers(), body: JSON.stringify(request) });
  const body = await res.json();
  if (!res.ok) throw new ApiError(body, res.status);
  return body;
}

// What the message box shows: a load's failure, which the next refresh that works clears, or
// the outcome of something the operator did (a refused save or block), which stays until they
// act again. A refresh that cleared both wiped a refused save's reason within a tenth of a
// second, whenever any event arrived (its own audit record included).
let shownError = "none";

/** Shows the outcome of an operator's action. */
function showError(e) {
  showMessage(e);
  shownError = "action";
}

/** Shows a failed read: the page's state, not anything the operator did. */
function showLoadError(e) {
  showMessage(notServedHere(e) ? new Error(`${NOT_SERVED_HERE}: ${e.message}`) : e);
  shownError = "load";
}

// In replicated mode an instance that owns no shard (a standby, or fenced) refuses the reads
// that name no account, NOT_OWNER naming the owner: its state follows the owner's journal and
// may be behind it (found by review, session 37: a standby cut off from the stream listed an
// account with the block its owner had lifted). The page says so, and keeps the status bar
// and the live events, which every instance serves.
const NOT_SERVED_HERE = "the accounts, the policy settings and the audit trail are read at the owner only (this instance's state follows its journal and may be behind)";
const notServedHere = (e) => e instanceof ApiError && e.kind === "NOT_OWNER";

// The form refused the token typed in it (one a browser cannot send): said until the next
// submit. Reads that go on meanwhile with the refused token stored before are refused 401 or
// 403, and each replaced it with "the bearer token is not valid", which told the operator
// their new token was (found by review, session 37).
let tokenRefusedAtForm = false;

function showMessage(e) {
  const box = $("message");
  const refusedToken = e instanceof ApiError && (e.httpStatus === 401 || e.httpStatus === 403);
  if (refusedToken && tokenRefusedAtForm && !$("token-form").hidden) return;
  if (e instanceof ApiError && e.httpStatus === 401) {
    $("token-form").hidden = false;
    box.textContent = `${e.message}. Enter a bearer token of a principal with the monitor or operator role.`;
  } else if (e instanceof ApiError && e.httpStatus === 403) {
    // A token without the role (a gateway's, or a monitor's for a change) can be replaced: with
    // the form shown only on a 401, the tab kept the refused token for good, reloads included.
    $("token-form").hidden = false;
    box.textContent = `${e.message}. Enter a bearer token of a principal with that role.`;
  } else {
    box.textContent = e instanceof Error ? e.message : String(e);
  }
  box.hidden = false;
}

function clearError() {
  $("message").hidden = true;
  shownError = "none";
}

const clearLoadError = () => shownError === "load" && clearError();

/** An element with text (never HTML: every value shown comes from the server as data). */
function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

// Every event schedules a refresh, and a busy sidecar can answer an earlier one after a later
// one: each part renders only the answers of its newest refresh, so an older state never
// replaces a newer one on the page.
const newest = { status: 0, accounts: 0, audit: 0 };

// ---- status ------------------------------------------------------------------------------

function duration(ms) {
  const s = Math.floor(Number(ms) / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/**
 * The phase as people read it, as `openpit status` says it. A standby or a fenced instance is
 * in the server's phase `serving` (its engine follows the journal) yet owns no shard and takes
 * no command: "serving" alone read as an instance that serves (found by review; the CLI said so
 * since session 38). `r`: GetReplicationStatus's answer, or undefined when it could not be read.
 */
function phaseText(s, r) {
  const phase = (s.phase || "").replace("SERVING_PHASE_", "").toLowerCase();
  if (r?.role === "REPLICATION_ROLE_STANDBY") return `standby, takes no command (server phase: ${phase})`;
  if (r?.role === "REPLICATION_ROLE_FENCED") return `fenced, takes no command (server phase: ${phase})`;
  return phase;
}

async function refreshStatus() {
  const n = ++newest.status;
  // The role is read beside the status; a sidecar that cannot say it still shows its status.
  const [s, r] = await Promise.all([admin("GetServerStatus"), admin("GetReplicationStatus").catch(() => undefined)]);
  if (n !== newest.status) return s;
  const dl = $("status");
  dl.replaceChildren();
  const item = (label, value, alarm) => {
    const d = el("div");
    d.append(el("dt", label), el("dd", value, alarm ? "alarm" : ""));
    dl.append(d);
  };
  const following = r?.role === "REPLICATION_ROLE_STANDBY" || r?.role === "REPLICATION_ROLE_FENCED";
  item("phase", phaseText(s, r), s.phase !== "SERVING_PHASE_SERVING" || following);
  // With the journal's replay rules: two builds of one version may not replay each other's journal.
  item("version", !s.version ? "?" : s.replayRules ? `${s.version} (replay rules ${s.replayRules})` : s.version);
  item("uptime", duration(s.uptimeMs || 0));
  item("durability", s.durabilityMode || "?");
  item("channels", String(s.channels || 0));
  item("blocked", `${s.blockedAccounts || 0} accounts, ${s.blockedGroups || 0} groups`);
  item("kill switch", s.globalBlock ? `GLOBAL: ${s.globalBlock.reason}` : "off", !!s.globalBlock);
  return s;
}

// ---- accounts ----------------------------------------------------------------------------

/** Whose a row's block is when it is not the account's own (UnblockAccount does not clear it). */
function blockWhose(row) {
  if (row.blockScope === "BLOCK_SCOPE_GROUP") return ` (group ${row.groupId}'s block)`;
  if (row.blockScope === "BLOCK_SCOPE_GLOBAL") return " (global kill switch)";
  return "";
}

function blockBadge(row) {
  const block = row.block;
  if (!block) return el("span", "active", "badge ok");
  // Operator blocks come from "Engine"; anything else is a policy's kill switch or halt.
  const kill = block.policy !== "Engine";
  const badge = el("span", `${kill ? "kill switch" : "blocked"}: ${block.reason}${blockWhose(row)}`, `badge ${kill ? "kill" : "block"}`);
  badge.title = `${block.policy} ${block.code}: ${block.details}`;
  return badge;
}

/**
 * The holdings of one `GetAccountState` answer (`Promise.allSettled`'s result), or why there
 * are none to show: refused (an account handed to another instance since the list was read),
 * or, for another owner's account (`state` undefined), not read: only its owner serves them.
 */
function holdingsCell(result) {
  const td = el("td");
  if (result === undefined || result.status === "rejected") {
    td.append(el("span", result === undefined ? "served by its owner" : result.reason.message, "refused"));
    return td;
  }
  for (const h of result.value.holdings || []) {
    td.append(el("div", `${h.asset} ${h.available} / ${h.held} / ${h.incoming}`, "holding"));
  }
  if (!td.firstChild) td.textContent = "—";
  return td;
}

// On one of several owners ListAccounts lists accounts whose state only their owner serves,
// marked `ownedElsewhere` with no block: the block this instance's engine holds for them (a
// group block made here, declared per instance) is not the one in force where they trade, and
// a Block or Unblock is refused here. Such a row shows whose it is, no block and no action;
// "blocked only" does not list it (the server's filter).
/** The block cell of another owner's account: whose it is, never a block. */
function elsewhereBadge(owner) {
  const text = owner.instanceId ? `owned elsewhere (instance '${owner.instanceId}' at ${owner.address})` : "owned elsewhere (no owner yet: a failover is under way)";
  return el("span", text, "badge elsewhere");
}

function actionCell(account, block) {
  const td = el("td", undefined, "action");
  // UnblockAccount clears the account's own block, a kill switch's included; a group's block
  // or the global one stays, and unblock() says so.
  if (block) {
    const b = el("button", "Unblock");
    b.dataset.action = "unblock";
    b.onclick = () => unblock(account);
    td.append(b);
    return td;
  }
  const reason = el("input");
  reason.placeholder = "reason";
  reason.setAttribute("aria-label", `block reason for account ${account}`);
  const b = el("button", "Block", "danger");
  b.dataset.action = "block";
  b.onclick = () => {
    if (!reason.value.trim()) return showError(new Error("a block needs a reason (the text rejected orders show)"));
    blockAccount(account, reason.value.trim());
  };
  td.append(reason, " ", b);
  return td;
}

async function refreshAccounts() {
  const table = $("accounts");
  const n = ++newest.accounts;
  // Refreshes still under way (tests wait for 0 instead of for time to pass).
  table.dataset.inFlight = String(Number(table.dataset.inFlight || 0) + 1);
  try {
    const filter = $("blocked-only").checked ? { blocked: true } : {};
    let page;
    try {
      page = await admin("ListAccounts", { ...filter, limit: 200 });
    } catch (e) {
      // Not served here (any more: an instance fenced while the page was open): rows shown from
      // an earlier answer would stand for state this instance no longer vouches for.
      if (notServedHere(e) && n === newest.accounts) {
        table.tBodies[0].replaceChildren();
        $("accounts-more").hidden = true;
        // The policy settings too (found by review, session 37: a fenced instance kept showing
        // the limits it loaded while active); the next refresh that works loads them again.
        loadedSettings = { name: "", json: "" };
        $("settings").value = "";
      }
      throw e;
    }
    const accounts = page.accounts || [];
    // Each row on its own: an account handed to another instance after the list was read is
    // refused NOT_OWNER, and one such row failed the whole table, which stayed empty (found by
    // review, session 34). Another owner's account is not read at all. A refused token is the
    // caller's, not a row's: it fails the table, and the token form comes back.
    const states = await Promise.allSettled(accounts.map((a) => (a.ownedElsewhere ? undefined : admin("GetAccountState", { accountId: a.accountId }))));
    const refusedCaller = states.find((r) => r.status === "rejected" && r.reason instanceof ApiError && (r.reason.httpStatus === 401 || r.reason.httpStatus === 403));
    if (refusedCaller) throw refusedCaller.reason;
    if (n !== newest.accounts) return;
    renderAccounts(
      table.tBodies[0],
      accounts.map((a, i) => ({ account: a, state: a.ownedElsewhere ? undefined : states[i] })),
    );
    $("accounts-more").hidden = !page.more;
    $("accounts-more").textContent = `showing ${accounts.length} of ${page.total} accounts`;
  } finally {
    table.dataset.inFlight = String(Number(table.dataset.inFlight) - 1);
  }
}

/**
 * Updates the rows in place: a row whose block state is unchanged keeps its action cell, so
 * a block reason being typed (its text and focus) survives the refresh every event brings;
 * rows are only moved when the list itself changed.
 */
function renderAccounts(body, listed) {
  const existing = new Map([...body.rows].map((tr) => [tr.dataset.account, tr]));
  const rows = listed.map(({ account: a, state }) => {
    const elsewhere = a.ownedElsewhere;
    const blocked = elsewhere ? "elsewhere" : a.block ? "true" : "false";
    let tr = existing.get(a.accountId);
    const keepAction = tr !== undefined && tr.dataset.blocked === blocked;
    if (!keepAction) tr = el("tr");
    tr.dataset.account = a.accountId;
    tr.dataset.blocked = blocked;
    tr.className = blocked === "true" ? "blocked" : "";
    const blockTd = el("td");
    blockTd.append(elsewhere ? elsewhereBadge(elsewhere) : blockBadge(a));
    const cells = [el("td", a.accountId, "num"), blockTd, el("td", a.groupId ? String(a.groupId) : "—"), el("td", a.pinnedChannelId || "—"), holdingsCell(state)];
    if (keepAction) cells.forEach((td, c) => tr.cells[c].replaceWith(td));
    else tr.append(...cells, elsewhere ? el("td", undefined, "action") : actionCell(a.accountId, a.block));
    return tr;
  });
  const kept = new Set(rows);
  for (const tr of [...body.rows]) if (!kept.has(tr)) tr.remove();
  rows.forEach((tr, i) => {
    if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] || null);
  });
}

/**
 * BlockAccount, then whether the block in force is the one sent. The first cause wins: on an
 * account blocked meanwhile (by another operator, or a policy's kill switch) BlockAccount
 * answers {} and keeps the earlier block, and the page said nothing, so the operator took
 * their reason for the one in force (found by review; the CLI says "it was blocked already").
 */
async function blockAccount(account, reason) {
  try {
    await admin("BlockAccount", { accountId: account, reason });
    clearError();
  } catch (e) {
    showError(e);
    return refreshAll().catch(showLoadError);
  }
  // A read, not the Block: its failure is a load's, as unblock()'s.
  try {
    const why = await blockNotApplied(account, reason);
    if (why) showError(new Error(why));
  } catch (e) {
    showLoadError(new Error(`BlockAccount was applied; reading the account afterwards failed: ${e.message}`));
  }
  await refreshAll().catch(showLoadError);
}

/** Why the block in force on `account` (a decimal id) is not the operator block with `reason` just sent, or undefined when it is. */
async function blockNotApplied(account, reason) {
  const row = await accountRow(account);
  if (!row) return undefined;
  const mine = row.block && row.blockScope === "BLOCK_SCOPE_ACCOUNT" && row.block.policy === "Engine" && row.block.reason === reason;
  if (mine) return undefined;
  if (row.block && row.blockScope === "BLOCK_SCOPE_ACCOUNT") {
    return `account ${account} was blocked already ("${row.block.reason}"): the first cause wins, your reason was not applied (ReplaceAccountBlockReason re-words it)`;
  }
  // The account's own block comes first on the row: any other means it was lifted since.
  if (row.blockScope === "BLOCK_SCOPE_GROUP") {
    return `account ${account}'s block was lifted since: it is blocked by its group ${row.groupId}'s block ("${row.block.reason}") alone`;
  }
  if (row.blockScope === "BLOCK_SCOPE_GLOBAL") {
    return `account ${account}'s block was lifted since: it is blocked by the global kill switch ("${row.block.reason}") alone`;
  }
  return `account ${account}'s block was lifted since: it is not blocked`;
}

/** `account`'s row (a decimal id) as ListAccounts answers it now, or undefined when it is not listed. */
async function accountRow(account) {
  const page = await admin("ListAccounts", { afterAccountId: String(BigInt(account) - 1n), limit: 1 });
  const row = (page.accounts || [])[0];
  return row && row.accountId === account ? row : undefined;
}

/**
 * UnblockAccount, then why the account is still blocked, if it is. A row shows the block an
 * order would hit (the account's own, then its group's, then the global one) and UnblockAccount
 * clears only the account's own: on a row blocked by its group or the global kill switch the
 * click answered {} and changed nothing, unexplained (found by review, console2). The row says
 * whose its block is (`blockScope`), so the page names what would clear it.
 */
async function unblock(account) {
  try {
    await admin("UnblockAccount", { accountId: account });
    clearError();
  } catch (e) {
    showError(e);
    return refreshAll().catch(showLoadError);
  }
  // A read, not the Unblock: its failure is a load's, which the next refresh that works
  // clears (found by review, session 37: shown as the action's outcome, it stayed beside an
  // active row, and read as "the Unblock failed").
  try {
    const why = await stillBlocked(account);
    if (why) showError(new Error(why));
  } catch (e) {
    showLoadError(new Error(`UnblockAccount was applied; reading the account afterwards failed: ${e.message}`));
  }
  await refreshAll().catch(showLoadError);
}

/** Why `account` (a decimal id) is blocked after its own block was cleared, or undefined when it is not. */
async function stillBlocked(account) {
  const row = await accountRow(account);
  if (!row || !row.block) return undefined;
  const reason = row.block.reason;
  if (row.blockScope === "BLOCK_SCOPE_GLOBAL") {
    return `account ${account} is still blocked by the global kill switch ("${reason}"), which UnblockAccount does not clear: it blocks every account`;
  }
  if (row.blockScope === "BLOCK_SCOPE_GROUP") {
    const g = row.groupId;
    return `account ${account} is still blocked by its group ${g}'s block ("${reason}"), which UnblockAccount does not clear: unblock the group (openpit unblock --group ${g})`;
  }
  // Its own, blocked again since (by another operator or a policy).
  return `account ${account} is still blocked: its own block was applied again since ("${reason}")`;
}

// ---- policies ----------------------------------------------------------------------------

// The settings the editor was loaded from, sent back with a save as its compare-and-set:
// a save over someone else's change since the load is refused (ABORTED), not applied.
let loadedSettings = { name: "", json: "" };

async function loadPolicy() {
  const name = $("policy").value;
  if (!name) return;
  const s = await admin("GetPolicySettings", { policyName: name });
  // Another policy was chosen while this one loaded: its own load fills the editor.
  if ($("policy").value !== name) return;
  loadedSettings = { name, json: s.settingsJson || "{}" };
  $("settings").value = JSON.stringify(JSON.parse(loadedSettings.json), null, 2);
}

async function savePolicy() {
  const name = $("policy").value;
  // The previous save's "updated" goes: beside this save's refusal (the call refused, the text
  // not JSON, the settings not loaded) it said the refused save applied (found by review, console2).
  $("policy-message").textContent = "";
  // Checked here, sent as typed: re-serialised, a key written twice (or a number a double
  // changes) reached the server as JSON.parse read it, and was applied instead of refused
  // (found by review, session 34). The server checks the text itself.
  const settings = $("settings").value;
  try {
    JSON.parse(settings);
  } catch (e) {
    return showError(new Error(`the settings are not valid JSON: ${e.message}`));
  }
  // The editor holds another policy's settings (this one's load failed or is still under
  // way): saving would write them here, and unchecked. Load first.
  if (loadedSettings.name !== name) return showError(new Error(`${name}'s settings are not loaded yet: reload them, then edit and save`));
  try {
    await admin("ConfigurePolicy", { policyName: name, settingsJson: settings, expectedSettingsJson: loadedSettings.json });
  } catch (e) {
    return showError(e);
  }
  clearError();
  $("policy-message").textContent = `${name} updated`;
  // The editor's settings are read again. Until they are, nothing is loaded: a read that fails
  // is the page's state, not the save's outcome, so the next refresh that works clears it and
  // loads them. It was shown as the save's own error, which stayed, and the editor kept the
  // settings from before the save, so the next save was refused as changed since read.
  loadedSettings = { name: "", json: "" };
  await loadPolicy().catch(showLoadError);
}

// ---- audit -------------------------------------------------------------------------------

async function refreshAudit() {
  const n = ++newest.audit;
  let answer;
  try {
    answer = await admin("QueryAudit", { newestFirst: true, limit: 50 });
  } catch (e) {
    if (notServedHere(e) && n === newest.audit) $("audit").tBodies[0].replaceChildren();
    throw e;
  }
  if (n !== newest.audit) return;
  const rows = (answer.records || []).map((r) => {
    const tr = el("tr");
    const time = new Date(Number(r.timeMs || 0)).toISOString().replace("T", " ").slice(0, 19);
    const outcome = (r.outcome || "").replace("AUDIT_OUTCOME_", "").toLowerCase();
    tr.append(el("td", r.sequence, "num"), el("td", time), el("td", r.actor), el("td", r.action), el("td", outcome), el("td", (r.accountIds || []).join(", ")), el("td", r.reason || ""));
    return tr;
  });
  $("audit").tBodies[0].replaceChildren(...rows);
}

// ---- live events -------------------------------------------------------------------------

function describeEvent(e) {
  const kind = Object.keys(e).find((k) => k !== "sequence" && k !== "actor") || "event";
  const body = e[kind] || {};
  const parts = [kind];
  if (body.accountId) parts.push(`account ${body.accountId}`);
  if (body.groupId) parts.push(`group ${body.groupId}`);
  if (body.block) parts.push(`"${body.block.reason}"`);
  if (body.policyName) parts.push(body.policyName);
  if (body.record) parts.push(`${body.record.action} ${(body.record.outcome || "").replace("AUDIT_OUTCOME_", "").toLowerCase()}`);
  if (e.actor) parts.push(`by ${e.actor}`);
  return `#${e.sequence} ${parts.join(" ")}`;
}

let refreshTimer;
// Refreshes by the order they started, and the latest that failed: a refresh that started
// before one that failed cannot vouch for the state after it. One slow to answer cleared the
// later one's error as it came in (found by CI under load: "the sidecar is recovering" was
// shown and hidden again at once).
let refreshRuns = 0;
let lastFailedRun = 0;
function scheduleRefresh() {
  // One refresh pending covers what asks for one meanwhile; never pushed back: a trailing
  // debounce read nothing at all while events came less than 100 ms apart (audit records of
  // refused calls, expiring reservations), the 5 s reads included (found by review, session 37).
  if (refreshTimer !== undefined) return;
  // A refresh that works clears an earlier load's error, and loads the editor if the first
  // load did not (found by review, session 34: a page opened while the sidecar recovered kept
  // its error and could not save until reloaded).
  refreshTimer = setTimeout(
    () => {
      refreshTimer = undefined;
      const run = ++refreshRuns;
      return refreshAll()
        .then(() => {
          if (run < lastFailedRun) return;
          clearLoadError();
          if (loadedSettings.name !== $("policy").value) return loadPolicy();
        })
        .catch((e) => {
          lastFailedRun = Math.max(lastFailedRun, run);
          showLoadError(e);
        });
    },
    100,
  );
}

/** Reads the server-sent events with fetch (EventSource cannot send the bearer token). */
async function followEvents() {
  const state = $("events-state");
  // The last event shown: a reconnect resumes after it, so a dropped stream misses nothing.
  let lastEventId;
  // The highest event number shown. A subscription without Last-Event-ID (after NOT_KEPT) is
  // told the retained events first, which the list showed again as the newest, and resumed
  // after them, so a drop before any new event got NOT_KEPT again, each time (found by review,
  // session 37): those are not shown again and do not move the resume point back. AHEAD
  // means this server numbers otherwise (another group's, say): forgotten then.
  let shownThrough = -1n;
  for (;;) {
    try {
      const resume = lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId };
      const res = await fetch("api/events", { headers: { ...headers(), ...resume } });
      if (!res.ok) {
        const error = new ApiError(await res.json(), res.status);
        if (error.kind !== "NOT_KEPT" && error.kind !== "AHEAD") throw error;
        // The events after it cannot all be had: say so, reload what the page shows, go on live.
        $("events").prepend(el("li", `events after #${lastEventId} were missed: ${error.message}; the page was reloaded`, "missed"));
        lastEventId = undefined;
        if (error.kind === "AHEAD") shownThrough = -1n;
        scheduleRefresh();
        continue;
      }
      state.textContent = "live";
      // Every (re)connection reads again what the page shows: a change made after the first load
      // read it and before this stream opened, or while a stream that had shown no event was
      // down (it reconnects without Last-Event-ID), has no event here, and the page showed the
      // state from before it for good (found by review, console2).
      scheduleRefresh();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (!data || !block.includes("event: account-event")) continue;
          const event = JSON.parse(data);
          scheduleRefresh();
          if (BigInt(event.sequence) <= shownThrough) continue;
          shownThrough = BigInt(event.sequence);
          lastEventId = event.sequence;
          const li = el("li", describeEvent(event));
          $("events").prepend(li);
          while ($("events").children.length > 200) $("events").lastChild.remove();
        }
      }
      state.textContent = "ended; reconnecting…";
    } catch (e) {
      state.textContent = `disconnected (${e.message}); retrying…`;
      if (e instanceof ApiError && e.httpStatus === 401) showError(e);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

// ---- start -------------------------------------------------------------------------------

async function refreshAll() {
  await Promise.all([refreshStatus(), refreshAccounts(), refreshAudit()]);
}

async function start() {
  $("token-form").onsubmit = (ev) => {
    ev.preventDefault();
    const entered = $("token").value.trim();
    if (!SENDABLE_TOKEN.test(entered)) {
      tokenRefusedAtForm = false;
      showMessage(new Error(UNSENDABLE_TOKEN));
      tokenRefusedAtForm = true;
      return;
    }
    tokenRefusedAtForm = false;
    sessionStorage.setItem(TOKEN_KEY, entered);
    $("token-form").hidden = true;
    clearError();
    start();
  };
  if (token() && !SENDABLE_TOKEN.test(token())) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("token-form").hidden = false;
    return showMessage(new Error(UNSENDABLE_TOKEN));
  }
  $("blocked-only").onchange = () => refreshAccounts().catch(showLoadError);
  $("policy").onchange = () => {
    $("policy-message").textContent = "";
    loadPolicy().catch(showLoadError);
  };
  $("save-policy").onclick = savePolicy;
  try {
    const status = await refreshStatus();
    const select = $("policy");
    const current = select.value;
    select.replaceChildren(...(status.policies || []).map((p) => el("option", p)));
    if (current) select.value = current;
    // The editor only when nothing is loaded for the chosen policy: start() runs again when a
    // token is entered, and reloading replaced an edit the previous token was refused to save
    // (found by review, session 37).
    await Promise.all([refreshAccounts(), refreshAudit(), loadedSettings.name !== $("policy").value ? loadPolicy() : undefined]);
    clearError();
  } catch (e) {
    showLoadError(e);
    // A refused token: the form is back, and its submit starts again. Anything else (a read
    // refused, a sidecar still recovering) does not stop the live events, which every
    // instance serves, a standby included (docs/high-availability.md): without them the page
    // never refreshed again (found by review, session 34).
    if (e instanceof ApiError && (e.httpStatus === 401 || e.httpStatus === 403)) return;
  }
  if (!start.following) {
    start.following = true;
    followEvents();
    // Trading (orders, fills, adjustments) announces no event, so the holdings are read again
    // every 5 s too: only the status bar was, and a page left open showed its load's holdings
    // for as long as no operator changed anything (found by review, session 37). A failed read
    // says so (the bar kept "serving" while the sidecar was down).
    setInterval(scheduleRefresh, 5000);
  }
}

start();
