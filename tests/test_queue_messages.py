"""
Queue messages are data, not commands (issue 18): a message written to the sync queue or to its
poison queue by anyone who can write there cannot create a run, change a run that does not list
its sheet, or mark a healthy sheet ERROR; identifiers are anchored at their end.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import azure.functions as func
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripts.queue_worker import Worker, registered
from shared.config import load_settings
from shared.core.messages import MessageError, SyncMessage, parse_message, sheet_of
from shared.service import Runtime, SyncRequest, set_runtime
from tests.conftest import SAMPLES


def _samples(make_settings, store) -> Runtime:
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    rt = Runtime(make_settings(*base.sheets), environ={}, store=store)
    set_runtime(rt)
    return rt


def _run_status(run_id: str) -> int:
    import leads_http

    fn = leads_http.sync_run.build().get_user_function()
    req = func.HttpRequest(method="GET", url=f"/api/leads/runs/{run_id}", params={}, body=b"", route_params={"run": run_id})
    return int(fn(req).status_code)


FORGED = [
    {"sheet": "nope", "trigger": "manual", "run": "forged"},
    {"sheet": "bright-dental", "trigger": "manual", "run": "forged2"},
    {"sheet": "acme-facebook", "trigger": "timer", "run": "forged3"},
    {"sheet": "northwind-expo", "trigger": "local", "run": "x" * 64, "attempt": 3},
]


@pytest.mark.parametrize("doc", FORGED)
def test_a_message_written_to_the_queue_creates_no_run(make_settings, store, doc) -> None:
    """A forged message (configured sheet or not) is completed without syncing: GET /api/leads/runs/<its run> stays 404."""
    rt = _samples(make_settings, store)
    rt.queue.send(json.dumps(doc))
    worker = Worker.from_host_json(rt.queue, retry_delay=0)  # type: ignore[arg-type]
    worker.run_until_idle()
    assert [o for _, o in worker.outcomes] == ["ok"], "completed, never retried"
    assert _run_status(doc["run"]) == 404
    assert rt.jobs.get_job(doc["run"]) is None
    assert store.get_state(doc["sheet"]) is None and store.list_runs(doc["sheet"], 5) == [], "nothing was synced"


def test_a_message_cannot_touch_a_sheet_its_run_does_not_list(make_settings, store) -> None:
    """A real run's id with another sheet: the run keeps exactly the sheets the service gave it, none added or changed."""
    rt = _samples(make_settings, store)
    started = rt.syncs.start(SyncRequest("bright-dental"))
    for sheet in ("acme-facebook", "nope", "northwind-expo"):
        assert rt.worker.handle(SyncMessage(sheet, started.run_id, "manual").to_json()) == "refused"
    job = rt.syncs.status(started.run_id)
    assert [(s.sheet_id, s.state) for s in job.sheets] == [("bright-dental", "queued")]
    assert store.get_state("acme-facebook") is None
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    assert rt.syncs.status(started.run_id).state == "done"


def test_the_timer_records_its_run_and_its_messages_are_acted_on(make_settings, store) -> None:
    """The timer's run is recorded before its messages go out, so its own messages are synced and their outcome recorded."""
    rt = _samples(make_settings, store)
    out = rt.syncs.enqueue("timer")
    job = rt.jobs.get_job(out.run_id)
    assert job is not None and job.trigger == "timer" and {s.sheet_id for s in job.sheets} == set(out.sheets)
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    job = rt.jobs.get_job(out.run_id)
    assert job is not None and job.state == "done" and all(s.report is None for s in job.sheets), "timer runs keep no report"
    assert all(store.get_state(s) is not None for s in out.sheets)


def _healthy(rt: Runtime, store) -> str:
    out = rt.syncs.enqueue("timer")
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    assert store.get_state("bright-dental").status in ("SUCCESS", "WARNING")
    return out.run_id


@pytest.mark.parametrize(
    "make_body",
    [
        lambda run: SyncMessage("bright-dental", "forged", "timer").to_json(),  # a run that does not exist
        lambda run: SyncMessage("bright-dental", run, "timer").to_json(),  # a copy of a message whose sheet finished
        lambda run: SyncMessage("bright-dental", run, "manual", attempt=4).to_json(),
        lambda run: json.dumps({"sheet": "bright-dental", "run": run, "extra": 1}),  # malformed, naming the sheet
        lambda run: json.dumps({"sheet": "bright-dental"}),
    ],
)
def test_a_hand_written_poison_message_leaves_a_healthy_sheet_alone(make_settings, store, make_body) -> None:
    """A message handed to the poison queue whose run does not show the sheet failing is refused: the sheet stays as it was."""
    rt = _samples(make_settings, store)
    run_id = _healthy(rt, store)
    before = store.get_state("bright-dental")
    poison = registered("sync_poison")
    from scripts.queue_worker import as_function_message

    class M:
        content = make_body(run_id)
        dequeue_count = 1
        id = "m"
        pop_receipt = "p"
        inserted_on = expires_on = next_visible_on = None

    poison(as_function_message(M()))
    after = store.get_state("bright-dental")
    assert (after.status, after.reason_codes, after.messages) == (before.status, before.reason_codes, before.messages)
    job = rt.jobs.get_job(run_id)
    assert job is not None and {s.state for s in job.sheets} == {"done"}


ID_FIELDS = ["sheet", "run"]


@pytest.mark.parametrize("field", ID_FIELDS)
@pytest.mark.parametrize("tail", ["\n", "\r\n", "\n\n", " ", "\x00", "\u2028"])
def test_an_id_with_anything_after_it_is_refused(field: str, tail: str) -> None:
    """``acme\\n`` is not ``acme``: ids are anchored at the end (``$`` matched before a trailing newline)."""
    doc = {"sheet": "acme", "run": "r1", "trigger": "timer"}
    doc[field] = doc[field] + tail
    with pytest.raises(MessageError):
        parse_message(json.dumps(doc))
    if field == "sheet":
        assert sheet_of(json.dumps(doc)) is None


@given(st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True), st.sampled_from(["\n", "\r", "\t", " ", "\n\n"]))
def test_every_id_pattern_is_anchored_at_its_end(ident: str, tail: str) -> None:
    """Each id and name pattern accepts an id and refuses the same id followed by whitespace."""
    import azure.functions as func
    from pydantic import TypeAdapter, ValidationError

    from shared import config, web
    from shared.contract import SheetId
    from shared.core import messages
    from shared.errors import InvalidRequestError

    assert messages.ID.match(ident)
    assert not messages.ID.match(ident + tail), messages.ID.pattern
    # HTTP: the contract's sheet id (queries and bodies) and its path parameters (runs, approvals)
    TypeAdapter(SheetId).validate_python(ident)
    with pytest.raises(ValidationError):
        TypeAdapter(SheetId).validate_python(ident + tail)
    for operation, name in (("syncRun", "run"), ("approveChange", "sheet")):
        for value, ok in ((ident, True), (ident + tail, False)):
            req = func.HttpRequest("GET", "http://x/api", body=b"", route_params={name: value})
            if ok:
                assert web.route_param(req, operation, name) == value
            else:
                with pytest.raises(InvalidRequestError):
                    web.route_param(req, operation, name)
    name = "a" + ident.replace("_", "").replace("-", "")[:60] + "bc"
    assert config.TABLE_NAME.match(name) and not config.TABLE_NAME.match(name + tail)
    q = name.lower()[:60]
    assert config.QUEUE_NAME.match(q) and not config.QUEUE_NAME.match(q + tail)


@pytest.mark.parametrize("setting", ["LEAD_SYNC_LEADS_TABLE", "LEAD_SYNC_JOBS_TABLE", "LEAD_SYNC_QUEUE"])
def test_a_storage_name_with_a_trailing_newline_is_a_configuration_problem(setting: str) -> None:
    """A table or queue name pasted with its newline is refused as a problem naming the setting, never used."""
    s = load_settings({"LEAD_SYNC_SHEETS": "[]", setting: "leadsxyz\n"})
    assert any(setting in p for p in s.problems), s.problems


def test_a_credential_name_with_a_trailing_newline_is_refused() -> None:
    """GOOGLE_SERVICE_ACCOUNTS names are anchored too."""
    from tests.helpers import service_account_info

    s = load_settings({"LEAD_SYNC_SHEETS": "[]", "GOOGLE_SERVICE_ACCOUNTS": json.dumps({"agency\n": service_account_info()})})
    assert any("is not a credential name" in p for p in s.problems), s.problems


def test_http_ids_with_a_trailing_newline_are_400(make_settings, store) -> None:
    """GET /api/leads/runs/<id>\\n and ?sheet=<id>\\n are refused as bad requests, not looked up."""
    import leads_http

    _samples(make_settings, store)
    assert _run_status("abc\n") == 400
    fn = leads_http.list_leads.build().get_user_function()
    req = func.HttpRequest(method="GET", url="/api/leads", params={"sheet": "acme-facebook\n"}, body=b"", route_params={})
    assert fn(req).status_code == 400


def test_the_poison_handler_says_which_delivery_it_saw(make_settings, store) -> None:
    """A genuine poison (the worker failed on every delivery) names the delivery count the worker last recorded."""
    rt = _samples(make_settings, store)
    now = datetime.now(UTC)
    rt.jobs.create_job("run1", "timer", ["bright-dental"], now)
    rt.jobs.update_job_sheet("run1", "bright-dental", "retrying", now, error="HTTP 503", deliveries=3)
    assert rt.worker.poison(SyncMessage("bright-dental", "run1", "timer").to_json(), 2) == "poisoned"
    state = store.get_state("bright-dental")
    assert state.status == "ERROR" and state.reason_codes == ("poisoned",)
    assert "last saw delivery 3" in state.messages[0] and "HTTP 503" in state.messages[0]
    assert rt.jobs.get_job_sheet("run1", "bright-dental").state == "failed"  # type: ignore[union-attr]
