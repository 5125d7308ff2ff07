"""
One sync of one sheet, and a run over every sheet.

The order of a sheet's sync is what makes it safe:

1. take the sheet's lease (a timer run and a manual sync never overlap);
2. read the sheet (one request), analyse it (pure core): header, mapping, essential columns,
   drift, leads;
3. load the stored index (keys, fingerprints, deleted flags) and plan the changes;
4. ask the guard; a blocked sync writes nothing at all;
5. write added/changed/restored leads, then soft-delete the leads that left the sheet;
6. save the state (status, counts, mapping) and the run in the history; release the lease.

A failure at any step ends that sheet's sync with ERROR and its reason; it never stops the
other sheets (``sync_all``). A write that fails halfway leaves the previous state as the
baseline, and the next run converges, because writes are idempotent upserts.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .config import BrokenSheet, Settings, SheetConfig
from .core.analysis import PreviousSync, SheetAnalysis, SheetOptions, analyse_sheet
from .core.fit import fit_lead
from .core.guard import change_id, check_carries, check_data_loss
from .core.identity import Carry, KeyedLead, assign_keys, base_key, resolve_identities
from .core.models import HeaderMatch, Lead, Status
from .core.pacing import full_check_due
from .core.plan import StoredLead, check_slice, plan_changes, resolve_missing
from .core.privacy import describe_rows, key_bytes, key_id, lead_hashes, list_digest, split_suppressed
from .core.reasons import CATALOGUE, ReasonCode, action
from .core.rows import blank_error_values, not_lead_reason
from .core.state import (
    REPORT_COUNTS,
    ApprovalRecord,
    BlockedChange,
    RunSummary,
    SheetState,
    high_water_mark,
    record_high_water,
)
from .errors import LeadSyncError, SourceError, StoreError
from .ports import LeadStore, SheetSource

log = logging.getLogger("leadsync")

LEASE_SECONDS = 60
"""A run's lease lasts this long past its last heartbeat: a run killed mid-write (kill -9, host
restart) frees its sheet within about a minute, and health shows the sheet ``interrupted``."""
HEARTBEAT_SECONDS = 15.0
"""How often a running sync renews its lease (``LeaseHeartbeat``): several beats per lease."""
RECENT_RUNS = 10
"""Runs kept inline in a sheet's state, so health needs one query for every sheet."""
RUN_HISTORY = timedelta(days=30)
"""How long each sheet's run history is kept (health shows the latest runs)."""
CHECK_SLICE = 1000
"""Stored leads an unchanged sync reads to check that storage still holds what the last sync left
(``_storage_matches``): one storage page, about as long as a point read."""
MAX_CARRIED_LOOKUPS = 60
"""Missing keys of a slice looked up as content keys of leads that kept an older id (11 per
query); past this, the sheet's live leads are counted against the last sync's count instead."""
FULL_CHECK_EVERY = timedelta(hours=24)
"""An unchanged sheet skips reading the stored index, but not for longer than this: a full
comparison with storage repairs anything changed there by other hands. Each sheet's comparison
falls at its own offset in the day (``core.pacing.full_check_due``), so thousands of sheets do
not all compare in the same interval."""


def set_fingerprint(keyed: list[KeyedLead]) -> str:
    """Hash of a sheet's whole lead set (keys and content), independent of row order.

    The hashed text is every ``key:fingerprint`` line, sorted, each ending in a newline (one
    ``update``: the same digest as feeding the lines one by one)."""
    lines = sorted(f"{k.key}:{k.fingerprint}\n" for k in keyed)
    return hashlib.blake2b("".join(lines).encode(), digest_size=16).hexdigest()


@contextmanager
def paused_gc() -> Iterator[None]:
    """
    The cyclic garbage collector off for a CPU-bound step that makes no reference cycles (the
    analysis and keying of a sheet: rows, leads, dicts of strings, tuples). With hundreds of
    thousands of objects alive, the collector would otherwise walk them all again and again as
    the step allocates, for nothing to collect; reference counting frees everything as before.
    It is switched back on (if it was on) whatever happens.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SheetReport:
    sheet_id: str
    customer: str | None
    status: str = Status.SUCCESS.value
    messages: list[str] = field(default_factory=list)
    reason_codes: list[str] = field(default_factory=list)
    header_row: int | None = None
    header_strategy: str | None = None
    header_confidence: float | None = None
    mapped_fields: list[str] = field(default_factory=list)
    rows_read: int = 0
    leads: int = 0
    added: int = 0
    updated: int = 0
    restored: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    not_leads: int = 0
    error_values: int = 0
    suppressed: int = 0
    invalid_values: int = 0
    duplicates: int = 0
    carried: int = 0
    """Rows that kept a stored lead's id through a phone, a name or the rest of the row (an email change)."""
    written: int = 0
    truncated: int = 0
    guard: dict[str, Any] | None = None
    blocked: dict[str, Any] | None = None
    """The change a person must approve, when the guard (or a removed column) blocked this sync."""
    duration_ms: int = 0
    started_at: str | None = None

    def note(self, status: Status, code: ReasonCode | str, message: str) -> None:
        """Record a finding: it raises the status to at least ``status``; an ERROR says what clears it."""
        code = str(code.value if isinstance(code, ReasonCode) else code)
        if status is Status.ERROR and (fix := action(code)) and fix not in message:
            message = f"{message}. To fix: {fix}"
        self.status = Status.worst([Status(self.status), status]).value
        self.reason_codes.append(code)
        self.messages.append(message)

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in REPORT_COUNTS}

    def to_dict(self) -> dict[str, Any]:
        """As the API serves it: ``header_row`` 1-based as a person counts rows, ``header_row_index`` 0-based."""
        out = asdict(self)
        out["header_row"] = None if self.header_row is None else self.header_row + 1
        out["header_row_index"] = self.header_row
        out["awaiting_approval"] = self.blocked is not None
        return out

    def log_fields(self) -> dict[str, Any]:
        """Counts and ids only: no lead data (for telemetry)."""
        out: dict[str, Any] = {"sheet_id": self.sheet_id, "status": self.status, **self.counts()}
        out.update(duration_ms=self.duration_ms, header_row=self.header_row, header_strategy=self.header_strategy)
        out["reason_codes"] = ",".join(self.reason_codes)
        return out


@dataclass
class RunReport:
    sheets: list[SheetReport]
    problems: list[str] = field(default_factory=list)
    """Configuration problems of the whole deployment: they make the run ERROR."""

    @property
    def status(self) -> str:
        statuses = [Status(s.status) for s in self.sheets] + [Status.ERROR for _ in self.problems[:1]]
        return Status.worst(statuses).value if statuses else Status.SUCCESS.value

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "problems": list(self.problems), "sheets": [s.to_dict() for s in self.sheets]}


@dataclass
class _Run:
    """One sheet's run in progress: its report, the state it started from and what changes in it."""

    sheet: SheetConfig
    report: SheetReport
    state: SheetState
    started: datetime
    updates: dict[str, Any] = field(default_factory=dict)
    approval_used: bool = False
    recovering: bool = False
    """The run found the lease of a run that never finished: storage may be half-written."""
    read_sheet: bool = False
    """The sheet was read: this run saw what the sheet is now (an approval for anything else lapses)."""
    lease: LeaseHeartbeat | None = None
    """Keeps the sheet's lease; checked before anything is written."""
    slice_ahead: _Prefetch | None = None
    """The slice of the stored index after ``state.check_from``, read ahead (``_storage_matches``)."""


class _Prefetch:
    """One storage read run in a thread of its own; ``get`` waits for it and raises what it raised."""

    def __init__(self, read: Callable[[], tuple[list[StoredLead], str | None]]) -> None:
        self._result: tuple[list[StoredLead], str | None] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(read,), name="slice-ahead", daemon=True)
        self._thread.start()

    def _run(self, read: Callable[[], tuple[list[StoredLead], str | None]]) -> None:
        try:
            self._result = read()
        except BaseException as e:  # handed to the caller of get
            self._error = e

    def get(self) -> tuple[list[StoredLead], str | None]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _may_skip(run: _Run, now: datetime) -> bool:
    """Whether this run may end at the unchanged-sheet shortcut, as far as is known before the
    sheet is read (the sheet's content decides the rest)."""
    state = run.state
    return bool(
        state.last_success_at
        and state.set_fp
        and state.baseline is not None
        and state.leads_customer in (None, run.sheet.customer)
        and not full_check_due(run.sheet.id, state.full_check_at, now, FULL_CHECK_EVERY)
        and state.blocked is None
        and not run.recovering
    )


def _previous(state: SheetState) -> PreviousSync | None:
    return PreviousSync(state.mapping) if state.mapping else None


def sync_sheet(
    sheet: SheetConfig,
    source: SheetSource,
    store: LeadStore,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    owner: str | None = None,
    trigger: str = "",
) -> SheetReport:
    """Sync one sheet. Never raises for an expected failure: it is in the report."""
    owner = owner or uuid.uuid4().hex
    started = clock()
    t0 = time.perf_counter()
    report = SheetReport(sheet.id, sheet.customer, started_at=started.isoformat())
    try:
        grant = store.acquire_lease(sheet.id, owner, started, LEASE_SECONDS)
    except StoreError as e:
        report.note(Status.ERROR, e.code, str(e))
        report.duration_ms = int((time.perf_counter() - t0) * 1000)
        return report
    if not grant:
        report.note(Status.WARNING, ReasonCode.BUSY, "sheet is already syncing in another run; skipped")
        _count_skip(store, sheet.id)
        report.duration_ms = int((time.perf_counter() - t0) * 1000)
        return report
    run = _Run(sheet, report, SheetState(sheet.id), started)
    heartbeat = LeaseHeartbeat(store, sheet.id, owner, clock).start()
    run.lease = heartbeat
    try:
        run.state = store.get_state(sheet.id) or SheetState(sheet.id)
        if grant.replaced is not None:
            run.recovering = True
            _record_interrupted(store, sheet.id, grant.replaced.until)
            report.note(
                Status.WARNING, ReasonCode.RECOVERING, "the previous run did not finish (killed, timed out or restarted); this run recovers"
            )
        _sync_locked(run, source, store, settings, clock)
    except LeadSyncError as e:
        report.note(Status.ERROR, e.code, str(e))
    except Exception as e:
        # Type and place only: an exception's message may quote a cell (PII).
        frame = traceback.extract_tb(e.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
        report.note(Status.ERROR, ReasonCode.INTERNAL, f"unexpected error: {type(e).__name__} at {where}")
        log.error("sheet_sync_crashed %s %s at %s", sheet.id, type(e).__name__, where)
    finally:
        report.duration_ms = int((time.perf_counter() - t0) * 1000)
        try:
            _record(run, store, clock, trigger)
        except Exception as e:
            report.note(Status.ERROR, ReasonCode.INTERNAL, f"status not saved: {type(e).__name__}")
        finally:
            heartbeat.stop()
            store.release_lease(sheet.id, owner)
    return report


class LeaseHeartbeat:
    """
    Renews a running sync's lease every ``HEARTBEAT_SECONDS`` (a daemon thread), so the lease
    can be short: a run that dies stops beating and its sheet is free ``LEASE_SECONDS`` later.
    A failed renewal is tried again at the next beat; a lease found taken by another stops it.
    """

    def __init__(self, store: LeadStore, sheet_id: str, owner: str, clock: Callable[[], datetime]) -> None:
        self.store, self.sheet_id, self.owner, self.clock = store, sheet_id, owner, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{sheet_id}", daemon=True)
        self.lost = False
        self._renewed = time.monotonic()

    def start(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                if not self.store.renew_lease(self.sheet_id, self.owner, self.clock(), LEASE_SECONDS):
                    self.lost = True
                    log.warning("lease_lost %s", self.sheet_id)
                    return
                self._renewed = time.monotonic()
            except Exception as e:  # storage may fail for a beat: the next one tries again
                log.warning("lease_not_renewed %s %s", self.sheet_id, type(e).__name__)

    def held(self) -> bool:
        """Is the lease surely still this run's? Not once another owner took it, nor once renewals
        have failed for so long (storage trouble) that it may have expired and been taken."""
        return not self.lost and time.monotonic() - self._renewed < LEASE_SECONDS - HEARTBEAT_SECONDS

    def check(self) -> None:
        """Raise before a write when the lease is no longer surely held: two runs must never write one sheet."""
        if not self.held():
            raise StoreError(
                "the sheet's lease was lost while it synced (another run took it, or storage did not answer "
                "for a minute); nothing more was written, and the next run compares with storage"
            )

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _sync_locked(run: _Run, source: SheetSource, store: LeadStore, settings: Settings, clock: Callable[[], datetime]) -> None:
    sheet, report, state = run.sheet, run.report, run.state
    if _may_skip(run, clock()):
        # The slice an unchanged sheet checks is read while the sheet is read and analysed.
        run.slice_ahead = _Prefetch(lambda: store.index_page(sheet.id, state.check_from, CHECK_SLICE))
    try:
        grid = source.fetch(sheet)
    except SourceError as e:
        # A deferred read (429 in the queue path) is a WARNING: the message comes back later.
        report.note(CATALOGUE[ReasonCode(e.code)].status if e.code in REASON_VALUES else Status.ERROR, e.code, str(e))
        return
    run.read_sheet = True
    grid, report.error_values = blank_error_values(grid)
    options = sheet.options(settings.phone_region)
    now = clock()
    approval = state.approval if state.approval and state.approval.valid_for(state.blocked, now) else None
    with paused_gc():
        analysis = analyse_sheet(grid, options, _previous(state), release_rows=True)
    if "essential_column_removed" in analysis.reasons:
        cid = _columns_change_id(analysis, options)
        if approval is not None and approval.change_id == cid:
            # A person accepted the removal: read the sheet as it is now, without the old columns,
            # and make its mapping the baseline at once, so the same removal never blocks again
            # whatever this run's guard then decides.
            with paused_gc():
                analysis = analyse_sheet(grid, options, None, release_rows=True)
            _approved(run, now, f"a person accepted the removed column ({cid})", ReasonCode.COLUMNS_ACCEPTED, Status.WARNING)
            run.updates.update(
                mapping=tuple((c.index, c.name, c.field) for c in analysis.mapping.columns), header_fp=analysis.header_fingerprint
            )
        else:
            _describe(analysis, report)
            lost = [c for c in analysis.drift if c.kind == "removed" and c.field in _essential(options)]
            _block(
                run,
                BlockedChange(
                    cid,
                    "columns",
                    len(lost),
                    now,
                    report.messages[-1],
                    tuple({"column": (c.before or "")[:100], "field": c.field} for c in lost[:20]),
                ),
            )
            return
    del grid  # the leads hold what the sync needs (its rows were released as they were read)
    _describe(analysis, report)
    if analysis.status is Status.ERROR:
        return
    if report.error_values:
        report.note(
            Status.WARNING,
            ReasonCode.ERROR_VALUES,
            f"{report.error_values} cells held spreadsheet errors (#N/A, #REF!...) and were read as blank",
        )
    leads = []
    for lead in analysis.leads:
        why = not_lead_reason(lead)
        if why is None:
            leads.append(lead)
        else:
            report.not_leads += 1
    if report.not_leads:
        report.note(Status.WARNING, ReasonCode.NOT_LEADS, f"{report.not_leads} footer, total or section-title rows were skipped")
    suppressed = _suppress(leads, store, settings, report)
    if suppressed is None:
        return
    leads, withheld, list_fp, is_suppressed = suppressed

    with paused_gc():
        keyed, duplicates = assign_keys(leads)
    report.leads, report.duplicates = len(keyed), duplicates
    if duplicates:
        report.note(
            Status.WARNING, ReasonCode.DUPLICATES, f"{duplicates} rows share an email/phone with another row; each kept as its own lead"
        )
    # The suppression list is part of what was synced: when it changes (an erasure, an
    # un-suppression), the next sync compares with storage instead of skipping.
    content = set_fingerprint(keyed) if not list_fp else f"{set_fingerprint(keyed)}.{list_fp}"
    renamed_customer = state.leads_customer not in (None, sheet.customer)
    if (
        state.last_success_at
        and not renamed_customer
        and state.set_fp == content
        and not full_check_due(sheet.id, state.full_check_at, now, FULL_CHECK_EVERY)
        and state.blocked is None
        and not run.recovering
        and _storage_matches(store, run, keyed)
    ):
        # Same leads with the same content as the last successful sync: nothing to write,
        # nothing can disappear, so the stored index need not even be read.
        report.unchanged = len(keyed)
        report.guard = {"allowed": True, "code": "unchanged", "reason": "sheet unchanged since the last sync"}
        run.updates.update(last_success_at=now, high_water=record_high_water(state.high_water, now, len(keyed), settings.guard_window))
        return
    # The index shares the keys and fingerprints of the leads still in the sheet and keeps no
    # signatures for them (the largest sheet's index holds one per row).
    stored = store.load_index(sheet.id, keyed)
    if withheld:
        stored = _erase_withheld(withheld, stored, store, sheet.id, report, is_suppressed)
    keyed, carried = _keep_identities(keyed, stored, store, sheet.id, report)
    if renamed_customer:
        # The sheet now belongs to another customer name: every lead is rewritten to carry it.
        stored = {k: replace(v, fingerprint="") for k, v in stored.items()}
        report.note(Status.SUCCESS, ReasonCode.CUSTOMER_RENAMED, f"customer renamed from {state.leads_customer!r}; all leads rewritten")
    plan = plan_changes(keyed, stored)
    active = sum(1 for s in stored.values() if not s.deleted)
    high = high_water_mark(state.high_water, now, settings.guard_window)
    known = [n for n in (high, state.baseline if state.last_success_at else None) if n is not None]
    # Suppressed rows are neither kept nor lost: they count as present for the guard.
    incoming = len(keyed) + report.suppressed
    policy = settings.policy(sheet)
    decision = check_data_loss(max(known) if known else None, active, incoming, len(plan.deleted), policy)
    carry = check_carries(len(carried), max(known) if known else None, active, incoming, policy)
    report.guard = {"allowed": decision.allowed and carry.allowed, "code": decision.code, "reason": decision.reason, **decision.numbers}
    report.guard.update(carry.numbers)
    if not carry.allowed:
        report.guard.update(carry_code=carry.code, carry_reason=carry.reason)
    applied_approval = False
    cid = reason = ""
    if not decision.allowed or not carry.allowed:
        blocked = _guarded_change(decision.code if not decision.allowed else None, carry.allowed, plan.deleted, carried, stored, now)
        reason = "; ".join(d.reason.removesuffix("; blocked") for d in (decision, carry) if not d.allowed) + "; blocked"
        cid = blocked.id
        if approval is not None and approval.change_id == cid:
            report.guard["allowed"] = True
            applied_approval = True  # recorded as applied once the writes below succeed
        else:
            code = ReasonCode.GUARD_BLOCKED if not decision.allowed else ReasonCode.IDENTITY_BLOCKED
            _block(run, replace(blocked, reason=reason), reason, code)
            return

    # Only the leads written need their first_seen: no second dict of the whole stored index.
    first_seen = {k.key: s.first_seen for k in plan.upserts if (s := stored.get(k.key)) is not None and s.first_seen is not None}
    if run.lease is not None:
        run.lease.check()
    if plan.upserts or plan.deleted:
        # Storage is about to diverge from the last successful sync: if this run dies before it
        # records itself, the next run must compare with storage, not trust the old fingerprint.
        store.save_state(replace(state, set_fp=None, full_check_at=None), fields=("set_fp", "full_check_at"))
    upserts, truncated = _fit(plan.upserts, store.max_lead_bytes, report)
    kinds = {k.key: "created" for k in plan.added} | {k.key: "updated" for k in plan.updated} | {k.key: "restored" for k in plan.restored}
    report.written = store.write_leads(sheet, upserts, now, first_seen, truncated, kinds)
    if run.lease is not None and plan.deleted:
        run.lease.check()  # a large write may have outlasted the lease
    report.written += store.soft_delete(sheet.id, plan.deleted, now, sheet.customer)
    if renamed_customer:
        gone = [k for k, v in stored.items() if v.deleted and k not in {x.key for x in plan.upserts}]
        report.written += store.merge_leads(sheet.id, gone, {"customer": sheet.customer}, "updated", now, sheet.customer)
    report.added, report.updated = len(plan.added), len(plan.updated)
    report.restored, report.deleted, report.unchanged = len(plan.restored), len(plan.deleted), plan.unchanged
    if applied_approval:
        _approved(
            run,
            now,
            f"a person approved this change ({cid}): {reason.removesuffix('; blocked')}",
            ReasonCode.APPROVED,
            Status.SUCCESS,
        )
    history = () if applied_approval else state.high_water
    run.updates.update(
        customer=sheet.customer,
        leads_customer=sheet.customer,
        baseline=len(keyed),
        last_success_at=now,
        mapping=tuple((c.index, c.name, c.field) for c in analysis.mapping.columns),
        header_fp=analysis.header_fingerprint,
        set_fp=content,
        full_check_at=now,
        blocked=None,
        high_water=record_high_water(history, now, len(keyed), settings.guard_window),
    )


def _storage_matches(store: LeadStore, run: _Run, keyed: list[KeyedLead]) -> bool:
    """
    Whether storage still holds what the last sync left, as far as one slice of the stored index
    shows (``CHECK_SLICE`` stored leads, one storage page; the whole index of a sheet that small).
    The sheet is unchanged since that sync, so its keyed leads are exactly the live leads storage
    should hold: each run checks the slice after the state's ``check_from`` and moves it on, so
    successive runs cover the whole index in turn.

    A lead deleted, marked deleted, edited or added in the table behind the app's back makes the
    run that checks its slice compare in full at once (``storage_drift``): the next run for a
    sheet of up to a slice's size, and for a larger one within ``ceil(stored / CHECK_SLICE)``
    runs, or at once when the change is large enough to reach every slice (a wiped partition, a
    deleted share of the leads). A change outside the slice waits for its turn or for the daily
    full comparison, whichever comes first. Keys that the slice misses because a lead keeps an
    older id for them (an email change) are looked up by content key; when there are too many
    to look up, the sheet's live leads are counted against the last sync's count instead.
    """
    state, report = run.state, run.report
    if state.baseline is None:
        return False  # a state written before counts were kept: compare once
    after = state.check_from
    ahead, run.slice_ahead = run.slice_ahead, None
    while True:
        if ahead is not None:
            page, until = ahead.get()
            ahead = None
        else:
            page, until = store.index_page(state.sheet_id, after, CHECK_SLICE)
        found = check_slice(keyed, page, after, until)
        if found.expected or found.unexpected or found.changed or not keyed or not after:
            break
        after = ""  # none of the sheet's keys past the cursor: check from the start at once
    run.updates["check_from"] = found.resume or ""
    missing, unexpected, changed = len(found.missing), found.unexpected, found.changed
    if 0 < missing <= MAX_CARRIED_LOOKUPS:
        missing, also_changed = resolve_missing(found.missing, store.carried_to(state.sheet_id, found.missing))
        changed += also_changed
    elif missing:
        stored = store.count_active(state.sheet_id)
        missing, unexpected = max(0, state.baseline - stored), unexpected + max(0, stored - state.baseline)
    if not (missing or unexpected or changed):
        return True
    report.note(
        Status.WARNING,
        ReasonCode.STORAGE_DRIFT,
        f"storage no longer held what the last sync left ({missing} leads missing, {unexpected} unexpected, "
        f"{changed} changed, checking {found.read} stored leads): compared in full and repaired",
    )
    return False


def _essential(options: SheetOptions) -> set[str]:
    return {f for g in options.required for f in g}


def _columns_change_id(analysis: SheetAnalysis, options: SheetOptions) -> str:
    lost = [f"{c.field}:{c.before}" for c in analysis.drift if c.kind == "removed" and c.field in _essential(options)]
    return change_id("columns", [*lost, analysis.header_fingerprint])


def _guarded_change(
    drop: str | None, carries_allowed: bool, deleted: list[str], carried: list[Carry], stored: dict[str, StoredLead], now: datetime
) -> BlockedChange:
    """
    The change a person approves when the guard blocks: ``drop``/``empty`` (leads would
    disappear) or ``carry`` (too many rows would keep another lead's id). Its id is the digest of
    exactly what it applies: the removed ids, and the carries (old id -> new key) when they are
    over the limit too. The preview lists ids and rows only (no PII): removed leads first, then
    carries as ``{"id": old, "to": new, "row": n}``.
    """
    kind = ("empty" if drop == "empty_sheet" else "drop") if drop else "carry"
    items = list(deleted)
    if not carries_allowed:
        items += [f"{c.old}>{c.new}" for c in carried]
    removed = sorted(deleted, key=lambda k: (stored[k].row or 0, k))[:20] if drop else []
    preview: list[dict[str, Any]] = [{"id": k, "row": stored[k].row} for k in removed]
    if not carries_allowed:
        first = sorted(carried, key=lambda c: (c.row, c.old))[: 20 - len(preview)]
        preview += [{"id": c.old, "to": c.new, "row": c.row + 1} for c in first]
    count = len(deleted) if drop else len(carried)
    return BlockedChange(change_id(kind, items), kind, count, now, "", tuple(preview))


def _block(run: _Run, blocked: BlockedChange, message: str | None = None, code: ReasonCode = ReasonCode.GUARD_BLOCKED) -> None:
    """Record the change a person must approve; nothing is written."""
    if message is not None:
        run.report.note(Status.ERROR, code, f"{message}; change {blocked.id}")
    else:
        run.report.messages[-1] += f" (change {blocked.id})"
    run.report.blocked = blocked.to_dict()
    run.updates["blocked"] = blocked


def _approved(run: _Run, now: datetime, message: str, code: ReasonCode, status: Status) -> None:
    approval, blocked = run.state.approval, run.state.blocked
    assert approval is not None and blocked is not None
    run.report.note(status, code, message)
    run.approval_used = True
    record = ApprovalRecord(approval.change_id, blocked.kind, blocked.count, approval.at, approval.by, approval.reason, "applied", now)
    run.updates.update(approval=None, blocked=None, approvals=(*run.state.approvals, record)[-20:])


def _suppress(
    leads: list[Lead], store: LeadStore, settings: Settings, report: SheetReport
) -> tuple[list[Lead], list[Lead], str, Callable[[Lead], bool]] | None:
    """
    Withhold the rows of erased people (``core.privacy.split_suppressed``); None (and an ERROR)
    when the list cannot be checked, so that nothing is written that could bring someone back.
    Rows are reported by number and count, never by value. Also returns a digest of the list.
    """
    entries = store.load_suppressions()
    if not entries:
        return leads, [], "", lambda lead: False
    problem = settings.erasure_problem
    key = key_bytes(settings.erasure_key or "")
    if problem is None and any(k and k != key_id(key) for k in entries.values()):
        problem = "the suppression list was made with another LEAD_SYNC_ERASURE_KEY"
    if problem is not None:
        report.note(Status.ERROR, ReasonCode.SUPPRESSION_UNUSABLE, f"{len(entries)} erased identifiers cannot be withheld: {problem}")
        return None
    kept, withheld = split_suppressed(leads, frozenset(entries), key)
    if withheld:
        report.suppressed = len(withheld)
        report.note(
            Status.WARNING,
            ReasonCode.SUPPRESSED,
            f"{len(withheld)} rows of erased people were withheld, not stored (rows {describe_rows(w.row for w in withheld)})",
        )
    listed = frozenset(entries)

    def suppressed(lead: Lead) -> bool:
        return bool(lead_hashes(lead, key) & listed)

    return kept, withheld, list_digest(entries), suppressed


def _erase_withheld(
    withheld: list[Lead],
    stored: dict[str, StoredLead],
    store: LeadStore,
    sheet_id: str,
    report: SheetReport,
    is_suppressed: Callable[[Lead], bool],
) -> dict[str, StoredLead]:
    """
    Stored leads of withheld rows (written before their erasure finished) are deleted for real,
    not soft-deleted: the candidates share a key with a withheld row, and each is deleted only if
    its own stored contacts are on the list (a colleague sharing an ``info@`` address is not).
    """
    bases = {base_key(w) for w in withheld}
    candidates = [k for k, s in stored.items() if k.split("-", 1)[0] in bases or (s.content_key or "").split("-", 1)[0] in bases]
    if not candidates:
        return stored
    identities = store.load_identities(sheet_id, candidates, include_deleted=True)
    gone = [k for k in candidates if k in identities and is_suppressed(Lead(0, identities[k], {}, {}))]
    if not gone:
        return stored
    store.delete_leads(sheet_id, gone, "erased")
    report.note(Status.WARNING, ReasonCode.ERASED_AGAIN, f"{len(gone)} stored leads of erased people were deleted")
    return {k: v for k, v in stored.items() if k not in set(gone)}


class _Fingerprints(Mapping[str, str]):
    """Stored key -> fingerprint, read through the stored index (no second dict of its size)."""

    __slots__ = ("_stored",)

    def __init__(self, stored: Mapping[str, StoredLead]) -> None:
        self._stored = stored

    def __getitem__(self, key: str) -> str:
        return self._stored[key].fingerprint

    def get(self, key: str, default: Any = None) -> Any:
        s = self._stored.get(key)
        return default if s is None else s.fingerprint

    def __contains__(self, key: object) -> bool:
        return key in self._stored

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


def _keep_identities(
    keyed: list[KeyedLead], stored: dict[str, StoredLead], store: LeadStore, sheet_id: str, report: SheetReport
) -> tuple[list[KeyedLead], list[Carry]]:
    """
    Which stored id each row keeps (``identity.resolve_identities``): an email change keeps the
    lead's id only when a second attribute agrees; carries and refusals are counted and noted.
    """
    aliases = {s.content_key: k for k, s in stored.items() if s.content_key}
    fps = _Fingerprints(stored)
    if not aliases and all(k.key in stored for k in keyed) and all(k.key[0] not in "pnr" or fps[k.key] == k.fingerprint for k in keyed):
        return keyed, []
    incoming = {k.key for k in keyed}
    missing = {k: s.signatures for k, s in stored.items() if not s.deleted and k not in incoming}

    def load(keys: set[str]) -> dict[str, dict[str, str]]:
        return store.load_identities(sheet_id, keys, include_deleted=True)

    found = resolve_identities(keyed, fps, aliases, missing, load)
    report.carried = len(found.carried)
    if found.carried:
        report.note(Status.SUCCESS, ReasonCode.IDENTITY_KEPT, f"{len(found.carried)} leads whose email changed kept their id")
    if found.refused:
        report.note(
            Status.SUCCESS,
            ReasonCode.IDENTITY_NOT_CARRIED,
            f"{found.refused} rows share a phone or a name with a stored lead but no second attribute: kept as new leads",
        )
    return found.keyed, found.carried


def _fit(upserts: list[KeyedLead], max_bytes: int, report: SheetReport) -> tuple[list[KeyedLead], dict[str, tuple[str, ...]]]:
    """Cut leads too long for one entity (longest cells first), keeping key and fingerprint of the whole lead."""
    out: list[KeyedLead] = []
    truncated: dict[str, tuple[str, ...]] = {}
    where: list[str] = []
    for k in upserts:
        fitted, cut = fit_lead(k.lead, max_bytes)
        if cut:
            truncated[k.key] = cut
            where.append(f"row {k.lead.row + 1} ({', '.join(c[:40] for c in cut[:3])})")
            k = k._replace(lead=fitted)
        out.append(k)
    if truncated:
        report.truncated = len(truncated)
        report.note(
            Status.WARNING,
            ReasonCode.TRUNCATED,
            f"{len(truncated)} rows hold more text than a Table Storage entity can (1 MiB); their longest cells were "
            f"stored cut and marked: {'; '.join(where[:10])}{' …' if len(where) > 10 else ''}",
        )
    return out, truncated


def _describe(analysis: SheetAnalysis, report: SheetReport) -> None:
    h = analysis.header
    report.header_row = h.row if isinstance(h, HeaderMatch) else None
    report.header_strategy = h.strategy
    report.header_confidence = h.confidence
    report.mapped_fields = sorted(analysis.mapping.fields)
    report.rows_read = analysis.rows_read
    report.skipped = analysis.rows_skipped
    report.invalid_values = sum(1 for i in analysis.issues if i.code.startswith("invalid_"))
    for code, message in zip(analysis.reasons, analysis.messages, strict=False):
        status = CATALOGUE[ReasonCode(code)].status if code in REASON_VALUES else Status.WARNING
        report.note(status, code, message)
    report.status = Status.worst([Status(report.status), analysis.status]).value


REASON_VALUES = frozenset(c.value for c in ReasonCode)


def _count_skip(store: LeadStore, sheet_id: str) -> None:
    """A skipped (busy) run is counted in the sheet's state; best effort."""
    try:
        current = store.get_state(sheet_id) or SheetState(sheet_id)
        store.save_state(replace(current, skipped_runs=current.skipped_runs + 1), fields=("skipped_runs",))
    except StoreError:
        pass


def _record_interrupted(store: LeadStore, sheet_id: str, lease_until: datetime) -> None:
    """The run whose lease this run found expired never finished: it gets a line in the history."""
    started = lease_until - timedelta(seconds=LEASE_SECONDS)
    store.add_run(
        sheet_id, RunSummary(started, Status.ERROR.value, reason_codes=(ReasonCode.INTERRUPTED.value,), run_id=f"int{uuid.uuid4().hex[:5]}")
    )


def _record(run: _Run, store: LeadStore, clock: Callable[[], datetime], trigger: str) -> None:
    """Save status and history; a store failure here is reported, not raised."""
    now = clock()
    report, state = run.report, run.state
    approval = state.approval
    if state.blocked is not None and not run.read_sheet and "blocked" not in run.updates:
        # The sheet could not be read (rate limit, outage): the blocked change still waits, and the
        # sheet stays ERROR so that alerts keep saying a person is needed.
        report.note(
            Status.ERROR, ReasonCode.GUARD_BLOCKED, f"change {state.blocked.id} still awaits approval ({state.blocked.reason[:200]})"
        )
    deferred = {"busy", "source_rate_limited"} & set(report.reason_codes)  # not a run: the sheet waits its turn
    if approval is not None and not run.approval_used and approval.at <= run.started and not deferred:
        # An approval is for the very next sync: any other outcome lets it lapse.
        report.note(
            Status.WARNING,
            ReasonCode.APPROVAL_LAPSED,
            f"the approval of change {approval.change_id} lapsed: this sync did not remove exactly that",
        )
        blocked = state.blocked
        record = ApprovalRecord(
            approval.change_id,
            blocked.kind if blocked else "",
            blocked.count if blocked else 0,
            approval.at,
            approval.by,
            approval.reason,
            "lapsed",
            now,
        )
        run.updates.update(approval=None, approvals=(*state.approvals, record)[-20:])
    summary = RunSummary(
        started_at=run.started,
        status=report.status,
        duration_ms=report.duration_ms,
        counts=report.counts(),
        reason_codes=tuple(report.reason_codes),
        run_id=uuid.uuid4().hex,
        trigger=trigger,
    )
    base = {
        "customer": run.sheet.customer,
        "status": report.status,
        "messages": tuple(report.messages),
        "reason_codes": tuple(report.reason_codes),
        "last_run_at": now,
        "counts": report.counts(),
        "header_row": report.header_row,
        "header_strategy": report.header_strategy,
        "recent_runs": (summary, *state.recent_runs[: RECENT_RUNS - 1]),
    }
    if report.guard is not None:
        base["guard"] = report.guard  # a run that never reached the guard keeps the last numbers
    if report.status == Status.ERROR.value and "set_fp" not in run.updates:
        # A failed run may have written part of its changes: the next run compares with storage
        # instead of trusting that it still matches the last successful sync.
        base.update(set_fp=None, full_check_at=None)
    if "approval" in run.updates and _approval_changed(store, run):
        del run.updates["approval"]  # a person approved again during this run: their approval stands
    changes: dict[str, Any] = base | run.updates
    new = replace(state, **changes)
    fields = tuple(changes)
    try:
        store.save_state(new, fields=fields)
        store.add_run(run.sheet.id, summary)
        store.prune_runs(run.sheet.id, now - RUN_HISTORY)
    except StoreError as e:
        report.note(Status.ERROR, "store", f"status not saved: {e}")


def _approval_changed(store: LeadStore, run: _Run) -> bool:
    """Was the sheet's approval replaced since this run read its state (an approve during the run)?"""
    current = store.get_state(run.sheet.id)
    now_at = current.approval.at if current is not None and current.approval is not None else None
    then_at = run.state.approval.at if run.state.approval is not None else None
    return now_at is not None and now_at != then_at


def broken_report(b: BrokenSheet) -> SheetReport:
    report = SheetReport(b.id, b.customer)
    report.note(Status.ERROR, ReasonCode.CONFIG, b.error)
    return report


def sync_all(
    settings: Settings,
    source_for: Callable[[SheetConfig], SheetSource],
    store: LeadStore,
    only: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    trigger: str = "",
) -> RunReport:
    """Sync every enabled sheet (or only ``only``), each on its own."""
    reports: list[SheetReport] = []
    for b in settings.broken:
        if only in (None, b.id):
            reports.append(broken_report(b))
    for sheet in settings.sheets:
        if only not in (None, sheet.id) or (only is None and not sheet.enabled):
            continue
        try:
            source = source_for(sheet)
        except LeadSyncError as e:
            failed = SheetReport(sheet.id, sheet.customer)
            failed.note(Status.ERROR, e.code, str(e))
            reports.append(failed)
            continue
        reports.append(sync_sheet(sheet, source, store, settings, clock=clock, trigger=trigger))
    return RunReport(reports)
