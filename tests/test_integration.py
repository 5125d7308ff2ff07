"""
Where merged features meet: erasure x duplicates, the queue path x approvals and busy sheets,
the contract x secondary contacts and broken entries, ETags x paging. Against Azurite.
"""

from __future__ import annotations

import base64
import contextlib
import csv
from datetime import UTC, datetime
from pathlib import Path

from shared.contract import HealthDetail, LeadsPage
from shared.core.messages import SyncMessage
from shared.errors import SourceRateLimitedError
from shared.service import ApprovalRequest, ErasureRequest, LeadsQuery, Runtime, SyncRequest, set_runtime
from shared.web import etag_of
from tests.conftest import csv_sheet


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def _people(n: int) -> list[list[str]]:
    return [["Name", "Email"]] + [[f"U{i}", f"u{i}@example.com"] for i in range(n)]


def test_erasing_one_person_never_deletes_another_who_shares_their_email(make_settings, store, tmp_path) -> None:
    """Ann and Bob share an info@ address; erasing Bob by phone withholds Bob only: Ann is untouched."""
    path = tmp_path / "t.csv"
    rows = [["Name", "Email", "Phone"], ["Ann Lee", "shared@corp.com", "07911 123456"], ["Bob Lee", "shared@corp.com", "07911 123457"]]
    rows += [[f"U{i}", f"u{i}@example.com", ""] for i in range(8)]
    _write(path, rows)
    rt = Runtime(make_settings(csv_sheet("t", path), erasure_key="k" * 32), environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run(only="t")
    ann = {x["id"]: x["first_seen"] for x in rt.leads.page(LeadsQuery(sheet_id="t")).to_dict()["items"] if x["full_name"] == "Ann Lee"}
    rt.privacy.erase(ErasureRequest(phone="07911 123457"))
    again = rt.syncs.run(only="t").sheets[0]
    assert "erased_again" not in again.reason_codes and again.added == 0 and again.suppressed == 1
    after = {x["id"]: x["first_seen"] for x in rt.leads.page(LeadsQuery(sheet_id="t")).to_dict()["items"] if x["full_name"] == "Ann Lee"}
    assert after == ann, "Ann keeps her id and first_seen"


class _RateLimited:
    def fetch(self, sheet):
        raise SourceRateLimitedError("Google Sheets answered 429 (read quota): the sync is deferred")


def test_a_deferred_delivery_neither_lapses_an_approval_nor_hides_a_blocked_sheet(make_settings, store, tmp_path) -> None:
    """Blocked, approved, then a 429 on the queue path: the approval stands and the sheet stays ERROR."""
    path = tmp_path / "t.csv"
    _write(path, _people(20))
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={}, store=store)
    set_runtime(rt)
    for run in ("r0", "r1", "r2"):
        rt.jobs.create_job(run, "timer", ["t"], datetime.now(UTC))
    assert rt.worker.handle(SyncMessage("t", "r0", "timer").to_json()) == "done"
    _write(path, _people(2))
    rt.worker.handle(SyncMessage("t", "r1", "timer").to_json())
    blocked = store.get_state("t").blocked
    assert blocked is not None
    rt.approvals.approve(ApprovalRequest("t", blocked.id, "ops", "ok"))

    class Limited(Runtime):
        def source_for(self, sheet, defer_rate_limits=False):  # type: ignore[override]
            return _RateLimited()

    limited = Limited(rt.settings, environ={}, store=store)
    set_runtime(limited)
    assert limited.worker.handle(SyncMessage("t", "r2", "timer").to_json()) == "deferred"
    state = store.get_state("t")
    assert state.approval is not None and state.approval.change_id == blocked.id
    assert state.status == "ERROR" and "guard_blocked" in state.reason_codes
    set_runtime(rt)
    applied = rt.syncs.run(only="t").sheets[0]
    assert "approved" in applied.reason_codes and applied.deleted == 18


def test_a_manual_run_that_finds_its_sheet_busy_still_finishes(make_settings, store, tmp_path) -> None:
    """The sheet is syncing elsewhere: the manual run's message comes back later and the run ends done."""
    from scripts.queue_worker import Worker

    path = tmp_path / "t.csv"
    _write(path, _people(3))
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={}, store=store)
    set_runtime(rt)
    assert store.acquire_lease("t", "timer-run", datetime.now(UTC), 600)
    started = rt.syncs.start(SyncRequest("t"))
    (msg,) = rt.queue.receive(1)  # type: ignore[attr-defined]
    body = msg.content if isinstance(msg.content, str) else msg.content.decode()
    with contextlib.suppress(ValueError):
        body = base64.b64decode(body, validate=True).decode()
    assert rt.worker.handle(body) == "deferred"
    rt.queue.delete(msg)  # type: ignore[attr-defined]
    assert rt.syncs.status(started.run_id).to_dict()["state"] != "done"
    store.release_lease("t", "timer-run")
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle(idle_seconds=1.0, timeout=60)  # type: ignore[arg-type]
    # the re-sent message is invisible for a while: deliver it as the host would once it shows
    doc = rt.syncs.status(started.run_id).to_dict()
    assert doc["sheets"][0]["state"] in ("queued", "done")


def test_secondary_contacts_and_broken_entries_match_the_contract(make_settings, store, tmp_path) -> None:
    """Leads with further emails and phones, and health with a broken entry, validate against the document's models."""
    from shared.config import BrokenSheet

    path = tmp_path / "t.csv"
    rows = [["Name", "Email", "Work email", "Phone", "Mobile"]]
    rows += [[f"U{i}", f"u{i}@example.com", f"w{i}@corp.com", f"07911 12345{i}", f"07700 90012{i}"] for i in range(3)]
    _write(path, rows)
    settings = make_settings(csv_sheet("t", path))
    settings = type(settings)(**{**settings.__dict__, "broken": (BrokenSheet("#2", None, "invalid sheet config (entry 2): id: missing"),)})
    rt = Runtime(settings, environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run(only="t")
    page = rt.leads.page(LeadsQuery(sheet_id="t")).to_dict()
    assert any(item.get("emails") for item in page["items"])
    LeadsPage.model_validate(page)
    HealthDetail.model_validate(rt.health.detail().doc)


def test_a_paged_listing_keeps_its_etag_while_nothing_changes(make_settings, store, tmp_path) -> None:
    path = tmp_path / "t.csv"
    _write(path, _people(5))
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run(only="t")
    a = rt.leads.page(LeadsQuery(sheet_id="t", page_size=2)).to_dict()
    b = rt.leads.page(LeadsQuery(sheet_id="t", page_size=2)).to_dict()
    assert a["continuation"] and etag_of(a, ("watermark", "continuation")) == etag_of(b, ("watermark", "continuation"))


def test_a_manual_run_that_cannot_be_queued_says_so(make_settings, store, tmp_path) -> None:
    """The queue is down: the request answers its error and the run's record is failed, not queued forever."""
    from shared.errors import StoreError

    path = tmp_path / "t.csv"
    _write(path, _people(3))
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={}, store=store)
    set_runtime(rt)

    class DownQueue:
        def send_many(self, messages):
            raise StoreError("cannot reach the queue")

        def send(self, text, delay=0.0):
            raise StoreError("cannot reach the queue")

    rt._queue = DownQueue()  # type: ignore[attr-defined]
    run_ids: list[str] = []
    real_create = rt.jobs.create_job

    def remember(run_id, *args, **kw):
        run_ids.append(run_id)
        return real_create(run_id, *args, **kw)

    rt.jobs.create_job = remember  # type: ignore[method-assign]
    import pytest

    with pytest.raises(StoreError):
        rt.syncs.start(SyncRequest("t"))
    doc = rt.syncs.status(run_ids[0]).to_dict()
    assert doc["state"] == "done" and doc["sheets"][0]["state"] == "failed" and "not queued" in doc["sheets"][0]["error"]
