"""Use case: personal data (issue 14). Erase a person, lift a suppression, purge past retention, read the audit trail."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .. import telemetry
from ..config import Settings
from ..errors import ConfigError, InvalidRequestError, StoreError
from ..ports import LeadStore
from .audit import record as record_audit
from .deps import Deps
from .inputs import AuditQuery, ErasureRequest
from .results import AuditPage, ErasureResult, PurgedSheet, PurgeResult, UnsuppressResult

if TYPE_CHECKING:
    from ..core.privacy import Identifiers


PURGE_LEASE_SECONDS = 300
"""A sheet's purge holds its sync lease at most this long (a purge that dies lets it expire)."""
RUNS_KEEP_DAYS = 7
WEBHOOK_LOG_DAYS = timedelta(days=7)
"""Delivered and dead webhook deliveries are kept this long (replay reaches back as far)."""
"""Manual sync runs (``GET /api/leads/runs/{id}``) older than this are forgotten by the purge run."""


class Privacy:
    def __init__(self, deps: Deps):
        self._deps = deps

    def _key(self) -> bytes:
        from ..core.privacy import key_bytes

        problem = self._deps.settings.erasure_problem
        if problem is not None:
            raise ConfigError(problem)
        return key_bytes(self._deps.settings.erasure_key or "")

    def _identifiers(self, request: ErasureRequest) -> Identifiers:
        from ..core.privacy import parse_identifiers

        try:
            return parse_identifiers(request.email, request.phone, self._deps.settings.phone_region)
        except ValueError as e:
            raise InvalidRequestError(str(e)) from None

    def count_person(self, request: ErasureRequest) -> dict[str, int]:
        """How many stored leads of which sheets carry the person (what ``erase`` would delete); changes nothing."""
        from ..core.privacy import matches_person

        person = self._identifiers(request)
        found: dict[str, int] = {}
        for sheet_id, _, fields in self._deps.store.find_contacts(person.email, person.phone):
            if matches_person(fields, person):
                found[sheet_id] = found.get(sheet_id, 0) + 1
        return dict(sorted(found.items()))

    def erase(self, request: ErasureRequest) -> ErasureResult:
        """
        Erase a person. Their identifiers join the suppression list (keyed hashes) first, so a
        sync that starts now withholds them. Then every stored lead of every sheet (deleted or
        not) is read and matched in any spelling (``core.privacy.matches_person``: the matching
        form of each address, further contact columns, a raw invalid email) and deleted for real.
        Every email and phone those leads carried joins the list too, so the person cannot come
        back under the phone alone or another address, except one that a lead of someone else
        also carries (a shared info@ address or switchboard: listing it would erase them).
        Idempotent. The answer counts what was listed by kind, never a value.
        """
        from ..core.privacy import carried, key_id, keys_of, matches_person

        key = self._key()
        person = self._identifiers(request)
        store = self._deps.store
        store.add_suppressions(person.hashes(key), key_id(key), datetime.now(UTC))
        # Every spelling of an address cannot be looked up by storage: read the contact columns of
        # every lead (one query across partitions) and match here.
        stored = [
            (sheet_id, lead_key, fields, carried(fields, fields.get("invalid"))) for sheet_id, lead_key, fields in store.find_contacts()
        ]
        hit: dict[str, list[str]] = {}
        theirs: set[tuple[str, str]] = set()
        shared: set[tuple[str, str]] = set()
        for sheet_id, lead_key, fields, pairs in stored:
            if matches_person(fields, person):
                hit.setdefault(sheet_id, []).append(lead_key)
                theirs |= pairs
            else:
                shared |= keys_of(pairs)
        # An identifier another person's lead also carries (an info@ address, a switchboard) is not
        # theirs alone: listing it would erase that person too.
        widened = person.widened(p for p in theirs if keys_of([p]).isdisjoint(shared))
        if widened != person:
            store.add_suppressions(widened.hashes(key), key_id(key), datetime.now(UTC))
        now = datetime.now(UTC)
        for sheet_id, keys in sorted(hit.items()):
            # Their events leave the outbox, then the delivery logs, before the leads go: an erasure
            # that fails halfway is repeated whole (it finds the leads still there), never half.
            store.forget_events(sheet_id, keys)
            self._deps.webhooks.forget(sheet_id, keys)
        counts = {sheet_id: store.delete_leads(sheet_id, keys, "erased", now) for sheet_id, keys in sorted(hit.items())}
        if counts:
            self._deps.webhooks.wake(list(counts))
        total = sum(counts.values())
        by_kind = widened.counts()
        listed = sum(by_kind.values())
        from_leads = listed - sum(person.counts().values())
        self._deps.states_changed()
        audit_id = record_audit(
            store,
            "erasure",
            request.actor,
            list(counts),
            {"leads": total, "sheets": len(counts), "identifiers": listed, "from_leads": from_leads},
            per_sheet=counts,
        )
        telemetry.log_privacy("erasure", leads=total, sheets=len(counts), suppressed=listed)
        return ErasureResult(
            counts, listed, tuple(k for k, v in (("email", person.email), ("phone", person.phone)) if v), audit_id, by_kind, from_leads
        )

    def unsuppress(self, request: ErasureRequest) -> UnsuppressResult:
        """
        Take a person's identifiers off the suppression list (a separate, recorded action): later
        syncs store them again. Both forms of each identifier are removed (a list made before
        matching forms holds the stored form). Identifiers that an erasure found on the person's
        leads are lifted by giving them too.
        """
        key = self._key()
        person = self._identifiers(request)
        store = self._deps.store
        removed = store.remove_suppressions(person.hashes(key))
        audit_id = record_audit(store, "unsuppress", request.actor, [], {"identifiers": removed})
        telemetry.log_privacy("unsuppress", identifiers=removed)
        return UnsuppressResult(removed, audit_id)

    def purge(self, now: datetime | None = None) -> PurgeResult:
        """
        Delete for real the leads soft-deleted longer ago than their sheet's retention (off unless
        set), at most ``purge_max`` per sheet per run; what is left goes in the next run. Only
        configured sheets are purged: a sheet missing from the list (removed, or a list that could
        not be read) keeps every lead, soft-deleted ones too. Each sheet is purged under its sync
        lease, so a sync that restores a lead cannot run between choosing it and deleting it; a
        sheet busy with a sync (or left with a dead run's lease) waits for the next run
        (``busy``). Records of removals older than
        ``removals_days`` and manual runs older than ``RUNS_KEEP_DAYS`` are forgotten. A storage
        failure while purging ends the run with what was purged so far and the error; a failure to
        record the purge in the audit trail raises ``StoreError``.
        """
        from ..core.privacy import retention_cutoff

        now = now or datetime.now(UTC)
        s = self._deps.settings
        sheets: list[PurgedSheet] = []
        error: str | None = None
        forgotten = runs_forgotten = 0
        try:
            store = self._deps.store
            for sheet in s.sheets:
                days = s.retention(sheet)
                cutoff = retention_cutoff(now, days)
                if cutoff is not None and days is not None:
                    sheets.append(self._purge_sheet(store, sheet.id, days, cutoff, now))
            forgotten = store.prune_removals(now - timedelta(days=s.removals_days))
            with contextlib.suppress(ConfigError):  # the webhook delivery log keeps a week
                self._deps.webhooks.prune(now - WEBHOOK_LOG_DAYS)
            with contextlib.suppress(ConfigError):  # no jobs table configured: nothing to forget
                runs_forgotten = self._deps.jobs.prune_jobs(now - timedelta(days=RUNS_KEEP_DAYS))
        except (ConfigError, StoreError) as e:
            error = str(e)
        total = sum(x.purged for x in sheets)
        if total:
            self._deps.webhooks.wake([x.sheet_id for x in sheets if x.purged])
        audit_id = None
        if total:
            hit = [x for x in sheets if x.purged]
            audit_id = record_audit(
                self._deps.store,
                "purge",
                "retention timer",
                [x.sheet_id for x in hit],
                {"leads": total},
                per_sheet={x.sheet_id: x.purged for x in hit},
            )
        telemetry.log_privacy("purge", leads=total, sheets=len(sheets), failed=int(error is not None))
        return PurgeResult(tuple(sheets), error, audit_id, forgotten, runs_forgotten)

    def _purge_sheet(self, store: LeadStore, sheet_id: str, days: float, cutoff: datetime, now: datetime) -> PurgedSheet:
        """One sheet's purge, holding the sheet's lease (taken on the real clock, whatever ``now``)."""
        state = store.get_state(sheet_id)
        if state is None:
            return PurgedSheet(sheet_id, days, 0, False)  # never synced: nothing stored
        clock = datetime.now(UTC)
        owner = f"purge-{uuid.uuid4().hex[:12]}"
        if (state.lease is not None and state.lease.owner) or not store.acquire_lease(sheet_id, owner, clock, PURGE_LEASE_SECONDS):
            return PurgedSheet(sheet_id, days, 0, True, busy=True)
        try:
            keys = store.deleted_before(sheet_id, cutoff, self._deps.settings.purge_max)
            n = store.delete_leads(sheet_id, keys, "purged", now) if keys else 0
        finally:
            store.release_lease(sheet_id, owner)
        return PurgedSheet(sheet_id, days, n, len(keys) >= self._deps.settings.purge_max)

    def audit(self, query: AuditQuery) -> AuditPage:
        """One page of the audit trail, newest first."""
        try:
            items, token = self._deps.read_store.list_audit(query.page_size, query.continuation)
        except ValueError as e:
            raise InvalidRequestError(str(e)) from e
        return AuditPage(items, token)


def privacy_status(s: Settings) -> dict[str, Any]:
    """Whether erasure can run and the retention in force (for health): no identifier, no count of people."""
    return {
        "erasure": "ready" if s.erasure_problem is None else s.erasure_problem,
        "retention_days": s.retention_days,
        "sheet_retention": {x.id: x.retention_days for x in s.sheets if x.retention_days is not None},
    }
