"""
Use cases of webhooks (issue 22): manage subscriptions, read and replay their delivery log, and
dispatch: hand the outbox's events to the subscriptions that want them, then deliver them.

Dispatching, in one process at a time (a lease in the webhooks table):

1. Fan-out: each sheet's outbox entities, oldest first, become one pending delivery per event and
   subscription that wants it (``add_deliveries`` is idempotent), then the outbox entity is
   dropped. A crash between the two fans out again, changing nothing.
2. Delivery: per subscription and sheet, in sequence order, one at a time: a failure stops that
   sheet's chain until its retry is due (so a receiver never sees a lead's ``updated`` before its
   ``created``), other chains go on in parallel. A delivery is marked delivered only after a 2xx,
   so a crash anywhere sends it again with the same ``webhook-id`` (at least once). Retries back off
   exponentially with jitter for 24 hours; then the delivery is dead (kept, visible, replayable)
   and the chain moves on.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import TYPE_CHECKING, Any

from ..core.events import RETRY_FOR, Event, Subscription, kinds_of, next_attempt, payload, secret_problem, url_problem
from ..errors import ConfigError, InvalidFieldError, InvalidRequestError, NotFoundError, StoreError

if TYPE_CHECKING:
    from ..adapters.webhook_sender import WebhookSender
    from ..adapters.webhook_table import TableWebhooks
    from .deps import Deps

LEASE_TTL = timedelta(minutes=10)
"""How long a dispatcher's lease holds; a killed one's expires by itself after this."""
BUDGET_SECONDS = 240.0
"""A dispatch starts no new delivery after this long (well inside the lease and the function's
timeout); what is left is picked up by the next wake-up, which it asks for at once."""
OUTBOX_PAGE = 50
CHAINS_AT_ONCE = 8
FLUSH_EVERY = 50
MAX_SUBSCRIPTIONS = 100
MAX_CUSTOMERS = 100
BUSY_RETRY_SECONDS = 10.0
HEALTH_SECONDS = 5.0


@dataclass
class DispatchReport:
    busy: bool = False
    fanned_out: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    next_due: datetime | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "busy": self.busy,
            "fanned_out": self.fanned_out,
            "delivered": self.delivered,
            "failed": self.failed,
            "dead": self.dead,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "problems": self.problems,
        }


class SecretBox:
    """AES-256-GCM under ``LEAD_SYNC_WEBHOOK_KEY`` (the subscription id is the associated data)."""

    def __init__(self, key_b64: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._key = base64.b64decode(key_b64)
        self._aead = AESGCM(self._key)

    def seal(self, sub_id: str, secret: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, secret.encode(), sub_id.encode())).decode()

    def open(self, sub_id: str, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], sub_id.encode()).decode()

    def fingerprint(self, secret: str) -> str:
        """A keyed hash's first 12 hex digits: tells two secrets apart, reveals nothing of them."""
        return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()[:12]


def _time(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    return None


def _iso(v: Any) -> str | None:
    t = _time(v)
    return t.isoformat().replace("+00:00", "Z") if t else None


def subscription_of(e: dict[str, Any]) -> Subscription:
    return Subscription(
        e["RowKey"],
        e.get("url") or "",
        tuple(json.loads(e.get("customers") or "[]")),
        tuple(json.loads(e.get("types") or "[]")),
        bool(e.get("disabled")),
    )


class Webhooks:
    def __init__(self, deps: Deps, sender: Callable[[], WebhookSender], table: Callable[[bool], TableWebhooks]) -> None:
        self._deps = deps
        self._sender = sender
        self._table = table
        self._health: tuple[float, list[dict[str, Any]]] | None = None

    # what the API answers

    def _box(self) -> SecretBox:
        key = self._deps.settings.webhook_key
        if not key:
            raise ConfigError("webhooks are not configured: set LEAD_SYNC_WEBHOOK_KEY to base64 of 32 random bytes (from Key Vault)")
        from ..config import webhook_key_problem

        if problem := webhook_key_problem(key):
            raise ConfigError(f"LEAD_SYNC_WEBHOOK_KEY {problem}")
        return SecretBox(key)

    def view(self, e: dict[str, Any], counts: dict[str, int] | None = None, now: datetime | None = None) -> dict[str, Any]:
        """A subscription as the API shows it; without ``counts`` (health) ``pending`` is None and ``dead`` is the
        dispatcher's running count since the last replay."""
        now = now or datetime.now(UTC)
        failing_since = _time(e.get("failing_since"))
        status = "disabled" if e.get("disabled") else "ok"
        if not e.get("disabled") and failing_since is not None:
            status = "failing" if now - failing_since >= RETRY_FOR else "retrying"
        sub = subscription_of(e)
        return {
            "id": sub.id,
            "url": sub.url,
            "customers": list(sub.customers),
            "types": list(sub.types),
            "description": e.get("description") or "",
            "disabled": sub.disabled,
            "secret_fingerprint": e.get("secret_fp") or "",
            "created_at": _iso(e.get("created_at")),
            "status": status,
            "reason": e.get("failing_reason") or None,
            "failing_since": _iso(failing_since),
            "pending": counts.get("pending", 0) if counts is not None else None,
            "dead": counts.get("dead", 0) if counts is not None else int(e.get("dead_count") or 0),
        }

    def _check(self, url: str | None, secret: str | None, customers: Sequence[str] | None, types: Sequence[str] | None) -> None:
        allow = self._deps.settings.webhook_allow_loopback
        if url is not None:
            if problem := url_problem(url, allow):
                raise InvalidFieldError("url", problem)
            if problem := self._sender().check(url):
                raise InvalidFieldError("url", problem)
        if secret is not None and (problem := secret_problem(secret)):
            raise InvalidFieldError("secret", problem)
        if customers is not None and len(customers) > MAX_CUSTOMERS:
            raise InvalidFieldError("customers", f"customers lists at most {MAX_CUSTOMERS} names; leave it out for every customer")
        if types is not None:
            try:
                kinds_of(types)
            except ValueError as e:
                raise InvalidFieldError("types", f"types: {e}") from None

    def create(
        self, url: str, secret: str, customers: Sequence[str] = (), types: Sequence[str] = (), description: str = ""
    ) -> dict[str, Any]:
        box = self._box()
        self._check(url, secret, customers, types)
        table = self._table(True)
        if len(table.list_subscriptions()) >= MAX_SUBSCRIPTIONS:
            raise InvalidRequestError(f"at most {MAX_SUBSCRIPTIONS} subscriptions: delete one you no longer need")
        sub_id = "wh_" + uuid.uuid4().hex[:20]
        now = datetime.now(UTC)
        entity = {
            "RowKey": sub_id,
            "url": url,
            "customers": json.dumps(sorted(set(customers))),
            "types": json.dumps(list(kinds_of(types))),
            "description": description[:200],
            "disabled": False,
            "secret_enc": box.seal(sub_id, secret),
            "secret_fp": box.fingerprint(secret),
            "created_at": now,
        }
        table.add_subscription(entity)
        self._health = None
        return self.view(entity, now=now)

    def _get(self, sub_id: str, create: bool = False) -> dict[str, Any]:
        e = self._table(create).get_subscription(sub_id) if sub_id.startswith("wh_") else None
        if e is None:
            raise NotFoundError(f"no webhook subscription {sub_id[:40]!r}: GET /api/webhooks lists them")
        return e

    def list_all(self) -> dict[str, Any]:
        table = self._table(False)
        counts = table.counts()
        return {"items": [self.view(e, counts.get(e["RowKey"], {})) for e in table.list_subscriptions()]}

    def get(self, sub_id: str) -> dict[str, Any]:
        e = self._get(sub_id)
        return self.view(e, self._table(False).counts(sub_id).get(sub_id, {}))

    def update(self, sub_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        box = self._box()
        e = self._get(sub_id, create=True)
        self._check(changes.get("url"), changes.get("secret"), changes.get("customers"), changes.get("types"))
        props: dict[str, Any] = {}
        if changes.get("url") is not None:
            props["url"] = changes["url"]
        if changes.get("customers") is not None:
            props["customers"] = json.dumps(sorted(set(changes["customers"])))
        if changes.get("types") is not None:
            props["types"] = json.dumps(list(kinds_of(changes["types"])))
        if changes.get("description") is not None:
            props["description"] = str(changes["description"])[:200]
        if changes.get("disabled") is not None:
            props["disabled"] = bool(changes["disabled"])
        if changes.get("secret") is not None:
            props["secret_enc"] = box.seal(sub_id, changes["secret"])
            props["secret_fp"] = box.fingerprint(changes["secret"])
        if props.get("disabled") is False or "url" in props:
            props.update(failing_since="", failing_reason="")  # "" clears: a MERGE skips None
        if props and not self._table(True).update_subscription(sub_id, props):
            raise NotFoundError(f"no webhook subscription {sub_id[:40]!r}")
        self._health = None
        return self.view(e | props)

    def delete(self, sub_id: str) -> dict[str, Any]:
        self._get(sub_id, create=True)
        self._table(True).delete_subscription(sub_id)
        self._health = None
        return {"id": sub_id, "deleted": True}

    def deliveries(self, sub_id: str, status: str | None, page_size: int, token: str | None) -> dict[str, Any]:
        self._get(sub_id)
        try:
            rows, cont = self._table(False).deliveries(sub_id, status, page_size, token)
        except ValueError:
            raise InvalidFieldError("continuation", "the continuation token is not one this API gave") from None
        return {"items": [_delivery_view(r) for r in rows], "continuation": cont}

    def replay(self, sub_id: str, since: datetime | None, event_id: str | None) -> dict[str, Any]:
        self._get(sub_id, create=True)
        table = self._table(True)
        row = None
        if event_id is not None:
            found = table.find_delivery(sub_id, event_id)
            if found is None:
                raise NotFoundError(f"event {event_id[:40]!r} is not in this subscription's delivery log (kept for 7 days)")
            row = found["RowKey"]
        n = table.replay(sub_id, since, row, datetime.now(UTC))
        table.update_subscription(sub_id, {"dead_count": 0})  # the dead ones are pending again
        if n:
            self.wake()
        return {"id": sub_id, "replayed": n}

    # erasure and retention

    def forget(self, sheet_id: str, lead_ids: Iterable[str]) -> int:
        """An erasure: the person's events leave the delivery log (their ``lead.erased`` stays)."""
        return self._table(True).forget(sheet_id, lead_ids)

    def prune(self, before: datetime) -> int:
        """Forget delivered and dead deliveries of events older than ``before`` (the log's retention)."""
        return self._table(True).prune(before)

    def health(self, now: datetime) -> list[dict[str, Any]]:
        """Each subscription's status for the health detail (empty when webhooks are not in use or
        unreadable), read at most once per ``HEALTH_SECONDS``: the anonymous probe calls it too."""
        cached = self._health
        if cached is not None and time.monotonic() - cached[0] < HEALTH_SECONDS:
            return cached[1]
        try:
            subs = self._table(False).list_subscriptions()  # one small query: the counts are /api/webhooks's
        except (StoreError, ConfigError):
            subs = []
        views = [self.view(e, None, now) for e in subs]
        self._health = (time.monotonic(), views)
        return views

    # dispatch

    def wake(self, sheet_ids: Sequence[str] = (), delay: float = 0.0) -> None:
        """Ask the dispatcher to run (a message on ``LEAD_SYNC_WEBHOOK_QUEUE``); never raises."""
        import logging

        from .. import telemetry

        try:
            queue = self._deps.webhook_queue
            queue.send(json.dumps({"kind": "dispatch", "sheets": list(sheet_ids)[:100]}), delay)
        except (StoreError, ConfigError) as e:
            telemetry.log_webhooks("wake_failed", logging.WARNING, reason=str(e)[:200])

    def handle(self, body: str | bytes, dequeue_count: int = 1) -> DispatchReport | None:
        """
        One wake-up message: dispatch (the sheets it names, or every sheet), then ask to be woken
        again when a retry is due (one wake-up at a time: ``wake_at``), or shortly when another
        dispatcher held the lease (it may have read the outbox before this message's events were
        written). A sync message that reached this queue (both queues given one name) goes to
        the sync worker: nothing is lost to a misconfiguration.
        """
        import logging

        from .. import telemetry

        try:
            doc = json.loads(body)
        except (ValueError, TypeError):
            doc = None
        if not (isinstance(doc, dict) and doc.get("kind") == "dispatch"):
            if isinstance(doc, dict) and "sheet" in doc:
                from .worker import QueueWorker

                QueueWorker(self._deps).handle(body, dequeue_count)
                return None
            doc = {}  # not ours to judge: a dispatch of everything is always safe
        sheets = [s for s in doc.get("sheets") or [] if isinstance(s, str)][:100]
        report = self.dispatch(sheets or None)
        if report.busy:
            self.wake(sheets, BUSY_RETRY_SECONDS)
        elif report.next_due is not None:
            self.wake_at(report.next_due)
        level = logging.WARNING if report.failed or report.dead or report.problems else logging.INFO
        telemetry.log_webhooks(
            "dispatch",
            level,
            reason="; ".join(report.problems)[:300] or None,
            fanned_out=report.fanned_out,
            delivered=report.delivered,
            failed=report.failed,
            dead=report.dead,
            busy=int(report.busy),
        )
        return report

    def wake_at(self, due: datetime) -> None:
        """One wake-up for the earliest due retry: none is sent when one is already set for no later (never raises)."""
        now = datetime.now(UTC)
        try:
            if not self._table(True).set_wake(due, now):
                return
        except StoreError:
            pass  # unsure: a wake-up too many costs one empty dispatch
        self.wake((), max(1.0, min((due - now).total_seconds(), 3600.0)))

    def dispatch(self, sheet_ids: Sequence[str] | None = None, now: datetime | None = None) -> DispatchReport:
        now = now or datetime.now(UTC)
        report = DispatchReport()
        table = self._table(True)
        owner = uuid.uuid4().hex
        if not table.acquire(owner, now, LEASE_TTL):
            report.busy = True
            return report
        deadline = time.monotonic() + BUDGET_SECONDS
        try:
            entities = [e for e in table.list_subscriptions()]
            subs = [subscription_of(e) for e in entities]
            secrets = self._secrets(entities, report) if entities else {}
            for sheet in sheet_ids or self._all_sheets():
                if time.monotonic() > deadline:
                    report.next_due = now
                    break
                report.fanned_out += self._fan_out(sheet, [s for s in subs if not s.disabled], table, now)
            live = [s for s in subs if not s.disabled and s.id in secrets]
            self._deliver(live, secrets, entities, table, report, deadline)
        finally:
            table.release(owner)
            self._health = None
        return report

    def _all_sheets(self) -> list[str]:
        """Every configured sheet and every sheet that ever synced (a removed sheet's last events are delivered too)."""
        ids = {s.id for s in self._deps.settings.sheets}
        with contextlib.suppress(StoreError):
            ids |= {st.sheet_id for st in self._deps.store.list_states()}
        return sorted(ids)

    def _secrets(self, entities: list[dict[str, Any]], report: DispatchReport) -> dict[str, str]:
        try:
            box = self._box()
        except ConfigError as err:
            report.problems.append(str(err))
            return {}
        out = {}
        for ent in entities:
            try:
                out[ent["RowKey"]] = box.open(ent["RowKey"], ent.get("secret_enc") or "")
            except Exception:  # a secret sealed under another key: that subscription only
                report.problems.append(f"{ent['RowKey']}: its secret cannot be read with LEAD_SYNC_WEBHOOK_KEY; set a new one")
        return out

    def _fan_out(self, sheet_id: str, subs: list[Subscription], table: TableWebhooks, now: datetime) -> int:
        """
        Hand the sheet's outbox to the subscriptions: log each event for each one that wants it,
        then delete the outbox entity if it is unchanged since read. Changed means an erasure
        blanked some of its events meanwhile: those are taken out of the logs again before it goes.
        """
        store = self._deps.store
        sheet = self._deps.settings.sheet(sheet_id)
        customer = sheet.customer if sheet is not None else None
        n = 0
        while True:
            page = store.read_outbox(sheet_id, OUTBOX_PAGE)
            for entry in page:
                events = [e if e.customer else replace(e, customer=customer) for e in entry.events]
                for sub in subs:
                    wanted = [e for e in events if sub.wants(e)]
                    if wanted:
                        table.add_deliveries(sub.id, wanted, now)
                if not store.drop_outbox(sheet_id, entry.row, entry.etag):
                    now_there = {e.sequence for x in store.read_outbox(sheet_id, OUTBOX_PAGE) if x.row == entry.row for e in x.events}
                    blanked = [e for e in events if e.sequence not in now_there]
                    for sub in subs:
                        table.remove_deliveries(sub.id, blanked)
                    store.drop_outbox(sheet_id, entry.row)
                n += len(events)
            if len(page) < OUTBOX_PAGE:
                return n

    def _deliver(
        self,
        subs: list[Subscription],
        secrets: dict[str, str],
        entities: list[dict[str, Any]],
        table: TableWebhooks,
        report: DispatchReport,
        deadline: float,
    ) -> None:
        chains: list[tuple[Subscription, list[dict[str, Any]]]] = []
        for sub in subs:
            rows = [r for r in table.pending(sub.id, limit=100_000) if _well_formed(r)]
            for _, chain in groupby(rows, key=lambda r: r["sheet_id"]):
                chains.append((sub, list(chain)))
        if not chains:
            return
        by_id = {e["RowKey"]: e for e in entities}
        with ThreadPoolExecutor(min(CHAINS_AT_ONCE, len(chains))) as pool:
            results = list(pool.map(lambda c: self._chain(c[0], secrets[c[0].id], c[1], table, deadline), chains))
        outcome: dict[str, tuple[datetime | None, str | None]] = {}
        deaths: dict[str, int] = {}
        for (sub, _), (delivered, failed, dead, due, failure) in zip(chains, results, strict=True):
            report.delivered += delivered
            report.failed += failed
            report.dead += dead
            deaths[sub.id] = deaths.get(sub.id, 0) + dead
            if due is not None and (report.next_due is None or due < report.next_due):
                report.next_due = due
            first_fail, reason = outcome.get(sub.id, (None, None))
            if failure is not None:
                outcome[sub.id] = (failure[0] if first_fail is None else min(first_fail, failure[0]), failure[1])
            elif sub.id not in outcome:
                outcome[sub.id] = (None, None)
        for sub_id, n in deaths.items():
            if n:  # health shows it without counting the log
                table.update_subscription(sub_id, {"dead_count": int(by_id.get(sub_id, {}).get("dead_count") or 0) + n})
        for sub_id, (since, reason) in outcome.items():
            e = by_id.get(sub_id, {})
            was = _time(e.get("failing_since"))
            if since is None and was is not None:
                table.update_subscription(sub_id, {"failing_since": "", "failing_reason": ""})  # "" clears: a MERGE skips None
            elif since is not None and (was is None or reason != e.get("failing_reason")):
                table.update_subscription(sub_id, {"failing_since": was or since, "failing_reason": reason or ""})

    def _chain(
        self, sub: Subscription, secret: str, rows: list[dict[str, Any]], table: TableWebhooks, deadline: float
    ) -> tuple[int, int, int, datetime | None, tuple[datetime, str] | None]:
        """
        Deliver one subscription's pending events of one sheet, in order, until one fails or waits
        for its retry (then the chain is still failing: its first failure and reason are reported).
        An event is retried for 24 hours from when it happened; once one is given up, the older
        ones behind it are given up without another attempt (a receiver down for a day is not
        tried once per event, a day each).
        """
        sender = self._sender()
        delivered = failed = dead = 0
        marks: list[tuple[str, dict[str, Any]]] = []
        due: datetime | None = None
        failure: tuple[datetime, str] | None = None
        given_up: str | None = None
        try:
            for r in rows:
                now = datetime.now(UTC)
                at = _time(r.get("at")) or now
                if given_up is not None and now - at >= RETRY_FOR:
                    marks.append((r["RowKey"], {"status": "dead", "dead_at": now, "last_error": f"not sent: {given_up}"}))
                    dead += 1
                    continue
                if time.monotonic() > deadline:
                    due = now  # out of time: the next wake-up goes on from here
                    break
                next_at = _time(r.get("next_at"))
                if next_at is not None and next_at > now:
                    due = next_at
                    if int(r.get("attempts") or 0):  # waiting for a retry: still failing
                        failure = (_time(r.get("first_try")) or at, str(r.get("last_error") or "failed"))
                    break
                event = Event(
                    r["sheet_id"], int(r["sequence"]), r["lead_id"], r["type"].removeprefix("lead."), at, r.get("customer") or None
                )
                body = json.dumps(payload(event), separators=(",", ":")).encode()
                attempt = sender.send(sub.url, secret, event.id, now, body)
                attempts = int(r.get("attempts") or 0) + 1
                first_try = _time(r.get("first_try")) or now
                if attempt.ok:
                    marks.append(
                        (
                            r["RowKey"],
                            {
                                "status": "delivered",
                                "attempts": attempts,
                                "delivered_at": now,
                                "last_status": attempt.status,
                                "last_error": "",
                            },
                        )
                    )
                    delivered += 1
                    if len(marks) >= FLUSH_EVERY:
                        table.mark(sub.id, marks)
                        marks = []
                    continue
                failed += 1
                reason = attempt.error or "failed"
                failure = (first_try, reason)
                retry = next_attempt(attempts, at, now, random.random())
                props: dict[str, Any] = {"attempts": attempts, "first_try": first_try, "last_status": attempt.status, "last_error": reason}
                if retry is None:
                    marks.append((r["RowKey"], props | {"status": "dead", "dead_at": now}))
                    dead += 1
                    given_up = reason
                    continue  # dead-lettered: the chain moves on
                marks.append((r["RowKey"], props | {"next_at": retry}))
                due = retry
                break
        finally:
            if marks:
                table.mark(sub.id, marks)
        return delivered, failed, dead, due, failure


def _well_formed(r: dict[str, Any]) -> bool:
    """A log row with what a delivery needs (a row recreated half by a race is skipped, never fatal)."""
    return all(r.get(k) not in (None, "") for k in ("sheet_id", "sequence", "lead_id", "type")) and str(r.get("type")).startswith("lead.")


def _delivery_view(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": r.get("event_id"),
        "type": r.get("type"),
        "lead_id": r.get("lead_id"),
        "sheet_id": r.get("sheet_id"),
        "sequence": int(r.get("sequence") or 0),
        "at": _iso(r.get("at")),
        "status": r.get("status"),
        "attempts": int(r.get("attempts") or 0),
        "next_at": _iso(r.get("next_at")) if r.get("status") == "pending" else None,
        "last_status": r.get("last_status"),
        "last_error": r.get("last_error") or None,
        "delivered_at": _iso(r.get("delivered_at")),
    }
