"""
Webhooks (issue 22): subscriptions, fan-out from the outbox, signed delivery in order, retries,
dead letters, replay, erasure, and the refusal of private addresses. Against Azurite and a real
HTTP receiver that verifies every signature with the Standard Webhooks library.
"""

from __future__ import annotations

import base64
import csv
import os
import socket
from datetime import UTC, datetime, timedelta

import pytest

from scripts.webhook_receiver import new_secret, ordered, receiver
from shared.adapters.webhook_sender import WebhookSender
from shared.core.events import payload
from shared.errors import ConfigError, InvalidFieldError, NotFoundError
from shared.service import Runtime
from tests.conftest import csv_sheet

KEY = base64.b64encode(os.urandom(32)).decode()


def _write(path, n: int, start: int = 0) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(
            [["Name", "Email", "Phone"], *[[f"U {i}", f"u{i}@example.com", f"07911 {100000 + i}"] for i in range(start, start + n)]]
        )


@pytest.fixture
def hooks_rt(tmp_path, make_settings, tables):
    sheets = [csv_sheet("alpha", tmp_path / "alpha.csv"), csv_sheet("beta", tmp_path / "beta.csv", customer="Beta Co")]
    settings = make_settings(
        *sheets, base_dir=tmp_path, webhook_key=KEY, webhook_allow_loopback=True, webhooks_table=f"hooks{tables[0][5:15]}"
    )
    return Runtime(settings)


def test_new_leads_reach_a_receiver_signed_in_order_once_each(tmp_path, hooks_rt) -> None:
    rt = hooks_rt
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 150)
    _write(tmp_path / "beta.csv", 3)
    with receiver(secret) as (url, got):
        sub = rt.webhooks.create(url, secret)
        assert sub["secret_fingerprint"] and "secret" not in sub and secret not in str(sub)
        rt.syncs.run(trigger="test")
        report = rt.webhooks.dispatch()
        assert (report.fanned_out, report.delivered, report.failed) == (153, 153, 0)
        assert got.bad_signatures == 0 and len(got.ids) == len(set(got.ids)) == 153
        assert set(got.types()) == {"lead.created"} and ordered(got.events)
        assert {e["data"]["customer"] for e in got.events} == {"Test Customer", "Beta Co"}
        # ids only: nothing personal in any event
        assert "example.com" not in str(got.events) and "U 1" not in str(got.events)
        # nothing twice: the outbox is empty and every delivery is marked
        assert rt.webhooks.dispatch().delivered == 0
        assert rt.store.read_outbox("alpha") == []
        # a change and a removal follow, in order, after the creations
        _write(tmp_path / "alpha.csv", 149, start=1)
        rt.syncs.run(only="alpha", trigger="test")
        rt.webhooks.dispatch()
        assert got.types()[153:] == ["lead.deleted"] and ordered(got.events)
    page = rt.webhooks.deliveries(sub["id"], "delivered", 100, None)
    assert len(page["items"]) == 100 and page["continuation"]


def test_a_subscription_gets_only_its_customers_and_types(tmp_path, hooks_rt) -> None:
    rt = hooks_rt
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 2)
    _write(tmp_path / "beta.csv", 2)
    with receiver(secret) as (url, got):
        rt.webhooks.create(url, secret, customers=["Beta Co"], types=["lead.deleted"])
        rt.syncs.run(trigger="test")
        rt.webhooks.dispatch()
        assert got.events == []
        _write(tmp_path / "alpha.csv", 1)
        _write(tmp_path / "beta.csv", 1)
        rt.syncs.run(trigger="test")
        rt.webhooks.dispatch()
        assert [(e["type"], e["data"]["sheet_id"]) for e in got.events] == [("lead.deleted", "beta")]


def test_a_failing_receiver_is_retried_in_order_then_dead_lettered(tmp_path, hooks_rt) -> None:
    rt = hooks_rt
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 3)
    with receiver(secret) as (url, got):
        sub = rt.webhooks.create(url, secret)
        got.fail_first = 1
        rt.syncs.run(only="alpha", trigger="test")
        first = rt.webhooks.dispatch()
        assert (first.delivered, first.failed) == (0, 1), "the chain stops at its first failure: nothing is sent out of order"
        assert first.next_due is not None
        view = rt.webhooks.get(sub["id"])
        assert view["status"] == "retrying" and view["reason"] == "answered 500" and view["pending"] == 3
        # the retry is due later; made due now, it delivers all three in order
        table = rt._webhook_table(True)
        table.mark(sub["id"], [(r["RowKey"], {"next_at": datetime.now(UTC)}) for r in table.pending(sub["id"])])
        assert rt.webhooks.dispatch().delivered == 3
        assert [e["data"]["sequence"] for e in got.events] == [1, 2, 3]
        assert rt.webhooks.get(sub["id"])["status"] == "ok"
        # a receiver failing for 24 hours: the delivery is dead, the subscription failing, the chain moves on
        got.status = 500
        _write(tmp_path / "alpha.csv", 4)
        rt.syncs.run(only="alpha", trigger="test")
        rt.webhooks.dispatch()
        day_ago = datetime.now(UTC) - timedelta(hours=25)
        table.mark(sub["id"], [(r["RowKey"], {"next_at": day_ago, "first_try": day_ago, "at": day_ago}) for r in table.pending(sub["id"])])
        table.update_subscription(sub["id"], {"failing_since": day_ago})
        report = rt.webhooks.dispatch()
        assert report.dead == 1
        view = rt.webhooks.get(sub["id"])
        assert view["status"] == "failing" and view["dead"] == 1 and "500" in view["reason"]
        assert any(h["status"] == "failing" for h in rt.webhooks.health(datetime.now(UTC)))
        detail = rt.health.detail().doc
        assert detail["webhooks"][0]["status"] == "failing" and detail["status"] != "SUCCESS"
        assert any(w.startswith(f"webhook {sub['id']} is failing") and "500" in w for w in detail["warnings"])
        # replay from the dead event: the receiver is back, and gets it
        got.status = 200
        dead = rt.webhooks.deliveries(sub["id"], "dead", 10, None)["items"][0]
        assert rt.webhooks.replay(sub["id"], None, dead["event_id"])["replayed"] == 1
        rt.webhooks.dispatch()
        assert got.ids[-1] == dead["event_id"] and got.types()[-1] == "lead.created"


def test_a_crash_mid_delivery_sends_again_with_the_same_ids(tmp_path, hooks_rt) -> None:
    """The dispatcher dies after sending but before recording: the next run sends those again, same webhook-id."""
    rt = hooks_rt
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 120)
    with receiver(secret) as (url, got):
        rt.webhooks.create(url, secret)
        rt.syncs.run(only="alpha", trigger="test")
        table = rt._webhook_table(True)
        real_mark = table.mark
        calls = {"n": 0}

        def crash_on_second_mark(sub_id, updates):
            calls["n"] += 1
            if calls["n"] >= 2:  # killed: from the second flush on, nothing more is recorded
                raise KeyboardInterrupt("killed")  # not an Exception: nothing catches it
            real_mark(sub_id, updates)

        table.mark = crash_on_second_mark
        with pytest.raises(KeyboardInterrupt):
            rt.webhooks.dispatch()
        table.mark = real_mark
        table.release("nobody")  # a killed dispatcher's lease: expired below
        table.subs.delete_entity("~lease", "dispatcher")
        rt.webhooks.dispatch()
        assert set(got.ids) == {e["id"] for e in got.events} and len(set(got.ids)) == 120, "every event arrived"
        assert len(got.ids) > 120, "some arrived twice (at least once), each time with the same id"
        firsts = list(dict.fromkeys(got.ids))
        seqs = [next(e for e in got.events if e["id"] == i)["data"]["sequence"] for i in firsts]
        assert seqs == sorted(seqs)


def test_erasure_takes_the_persons_events_out_of_the_log(tmp_path, hooks_rt) -> None:
    from shared.service import ErasureRequest

    rt = hooks_rt
    rt.settings = rt.settings.__class__(**{**rt.settings.__dict__, "erasure_key": "k" * 32})
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 3)
    with receiver(secret) as (url, got):
        sub = rt.webhooks.create(url, secret)
        rt.syncs.run(only="alpha", trigger="test")
        rt.webhooks.dispatch()
        assert len(got.events) == 3
        rt.privacy.erase(ErasureRequest(email="u1@example.com", phone=None, actor="dpo"))
        rt.webhooks.dispatch()
        erased = [e for e in got.events if e["type"] == "lead.erased"]
        assert len(erased) == 1 and set(erased[0]["data"]) == {"id", "sheet_id", "customer", "sequence"}
        log = rt.webhooks.deliveries(sub["id"], None, 100, None)["items"]
        assert [d["type"] for d in log if d["lead_id"] == erased[0]["data"]["id"]] == ["lead.erased"]


@pytest.mark.parametrize(
    ("url", "field", "words"),
    [
        ("http://receiver.example/hook", "url", "https"),
        ("https://10.1.2.3/hook", "url", "private"),
        ("https://169.254.169.254/latest/meta-data", "url", "link-local"),
        ("https://[::ffff:192.168.0.1]/x", "url", "private"),
        ("https://user:pw@receiver.example/hook", "url", "password"),
        ("ftp://receiver.example/", "url", "https"),
        ("https:///nohost", "url", "host"),
    ],
)
def test_bad_urls_are_refused_naming_the_field(hooks_rt, url: str, field: str, words: str) -> None:
    rt = hooks_rt
    rt.settings = rt.settings.__class__(**{**rt.settings.__dict__, "webhook_allow_loopback": False})
    with pytest.raises(InvalidFieldError) as e:
        rt.webhooks.create(url, new_secret())
    assert e.value.field == field and words in str(e.value)


def test_a_host_that_resolves_inside_is_refused_at_creation_and_at_send() -> None:
    def resolve_inside(host, port, type=0):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    sender = WebhookSender(resolve=resolve_inside)
    assert "private" in (sender.check("https://hooks.customer.example/x") or "")
    attempt = sender.send("https://hooks.customer.example/x", new_secret(), "evt_1", datetime.now(UTC), b"{}")
    assert not attempt.ok and attempt.status is None and "private" in (attempt.error or "")
    assert "https" in (WebhookSender().check("http://127.0.0.1:9/x") or "")
    assert "loopback" in (WebhookSender().check("https://127.0.0.1:9/x") or "")
    assert "loopback" in (WebhookSender().check("https://localhost/x") or "")
    assert WebhookSender(allow_loopback=True).check("http://127.0.0.1:9/x") is None, "local development only"
    assert "private" in (WebhookSender(allow_loopback=True).check("https://192.168.1.1/x") or "")


def test_secrets_and_types_are_checked_and_never_returned(hooks_rt) -> None:
    rt = hooks_rt
    for bad, words in (("whsec_" + "A" * 400, "too long"), ("whsec_!!", "base64"), ("whsec_" + base64.b64encode(b"short").decode(), "24")):
        with pytest.raises(InvalidFieldError) as e:
            rt.webhooks.create("http://127.0.0.1:9/x", bad)
        assert e.value.field == "secret" and words in str(e.value)
    with pytest.raises(InvalidFieldError) as e:
        rt.webhooks.create("http://127.0.0.1:9/x", new_secret(), types=["lead.created", "lead.exploded"])
    assert e.value.field == "types" and "lead.exploded" in str(e.value)
    sub = rt.webhooks.create("http://127.0.0.1:9/x", new_secret(), types=["lead.deleted", "lead.created"])
    assert sub["types"] == ["lead.created", "lead.deleted"]
    stored = rt._webhook_table(True).get_subscription(sub["id"])
    assert "whsec_" not in str(stored)
    with pytest.raises(NotFoundError):
        rt.webhooks.get("wh_nope")
    assert rt.webhooks.delete(sub["id"])["deleted"] is True


def test_without_a_key_webhooks_degrade_alone(hooks_rt, tmp_path) -> None:
    rt = hooks_rt
    rt.settings = rt.settings.__class__(**{**rt.settings.__dict__, "webhook_key": None})
    with pytest.raises(ConfigError, match="LEAD_SYNC_WEBHOOK_KEY"):
        rt.webhooks.create("http://127.0.0.1:9/x", new_secret())
    _write(tmp_path / "alpha.csv", 2)
    _write(tmp_path / "beta.csv", 2)
    assert rt.syncs.run(trigger="test").status != "ERROR", "syncs go on"


def test_payload_is_standard_webhooks_and_cloudevents_shaped() -> None:
    from shared.core.events import Event

    doc = payload(Event("alpha", 7, "e123", "created", datetime(2026, 12, 7, 12, 0, tzinfo=UTC), "Acme"))
    assert doc["type"] == "lead.created" and doc["timestamp"] == "2026-12-07T12:00:00Z" and doc["specversion"] == "1.0"
    assert doc["data"] == {"id": "e123", "sheet_id": "alpha", "customer": "Acme", "sequence": 7}
    assert doc["id"].startswith("evt_") and doc["subject"] == "e123"


def test_a_receiver_that_trickles_its_answer_is_cut_at_the_deadline() -> None:
    """A socket timeout restarts on every byte; the watchdog ends the whole request at the deadline."""
    import threading
    import time as _time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def trickle() -> None:
        conn, _ = server.accept()
        conn.recv(65536)
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                conn.send(bytes([byte]))
                _time.sleep(0.2)
        except OSError:
            pass
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    t0 = _time.monotonic()
    attempt = WebhookSender(allow_loopback=True, timeout=1.0).send(
        f"http://127.0.0.1:{port}/x", new_secret(), "evt_1", datetime.now(UTC), b"{}"
    )
    took = _time.monotonic() - t0
    server.close()
    assert not attempt.ok and attempt.status is None and "within 1 s" in (attempt.error or "")
    assert took < 3.0, took  # a bound on a hang, not a timing test: without the watchdog it takes 20 s


def test_waiting_retries_wake_the_dispatcher_once_not_once_per_message(tmp_path, hooks_rt) -> None:
    rt = hooks_rt
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 2)
    with receiver(secret) as (url, got):
        rt.webhooks.create(url, secret)
        got.status = 500
        rt.syncs.run(only="alpha", trigger="test")
        before = rt.webhook_queue.count()
        for _ in range(5):
            rt.webhooks.handle(b'{"kind": "dispatch", "sheets": []}')
        assert rt.webhook_queue.count() - before == 1, "one wake-up for the waiting retry"


def test_a_dead_receiver_gives_up_the_day_old_backlog_without_trying_each(tmp_path, hooks_rt) -> None:
    rt = hooks_rt
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 5)
    with receiver(secret) as (url, got):
        sub = rt.webhooks.create(url, secret)["id"]
        got.status = 500
        rt.syncs.run(only="alpha", trigger="test")
        rt.webhooks.dispatch()
        table = rt._webhook_table(True)
        day_ago = datetime.now(UTC) - timedelta(hours=25)
        table.mark(sub, [(r["RowKey"], {"next_at": day_ago, "at": day_ago}) for r in table.pending(sub)])
        tries = got.requests
        report = rt.webhooks.dispatch()
        assert report.dead == 5 and got.requests - tries == 1, "the head is tried once more; the rest go with it"
        dead = rt.webhooks.deliveries(sub, "dead", 10, None)["items"]
        assert len(dead) == 5 and all(d["last_error"] for d in dead)


def test_marking_never_brings_back_a_row_deleted_meanwhile(hooks_rt) -> None:
    table = hooks_rt._webhook_table(True)
    from shared.core.events import Event

    table.add_deliveries("wh_1", [Event("alpha", 1, "k1", "created", datetime.now(UTC))], datetime.now(UTC))
    table.log.delete_entity("wh_1", "alpha~000000000000001")
    table.mark("wh_1", [("alpha~000000000000001", {"status": "pending", "attempts": 0})])
    assert table.pending("wh_1") == []


def test_erased_events_reach_a_customer_filtered_subscription(tmp_path, hooks_rt) -> None:
    from shared.service import ErasureRequest

    rt = hooks_rt
    rt.settings = rt.settings.__class__(**{**rt.settings.__dict__, "erasure_key": "k" * 32})
    secret = new_secret()
    _write(tmp_path / "beta.csv", 2)
    with receiver(secret) as (url, got):
        rt.webhooks.create(url, secret, customers=["Beta Co"], types=["lead.erased"])
        rt.syncs.run(only="beta", trigger="test")
        rt.privacy.erase(ErasureRequest(email="u1@example.com", phone=None, actor="dpo"))
        rt.webhooks.dispatch()
        assert [(e["type"], e["data"]["customer"]) for e in got.events] == [("lead.erased", "Beta Co")]


def test_an_erasure_between_fan_out_and_drop_takes_the_events_back_out(tmp_path, hooks_rt) -> None:
    """The dispatcher read the outbox, an erasure blanked one lead's event, the dispatcher logged the stale copy: it is removed."""
    rt = hooks_rt
    secret = new_secret()
    _write(tmp_path / "alpha.csv", 3)
    with receiver(secret) as (url, got):
        sub = rt.webhooks.create(url, secret)["id"]
        got.status = 500  # nothing is delivered in this test: only the log is looked at
        rt.syncs.run(only="alpha", trigger="test")
        store = rt.store
        victim = store.read_outbox("alpha")[0].events[1].lead_id
        real = store.read_outbox
        calls = {"n": 0}

        def read_then_erase(sheet_id, limit=50):
            out = real(sheet_id, limit)
            calls["n"] += 1
            if calls["n"] == 1:
                store.forget_events("alpha", [victim])  # the erasure, just after the dispatcher read
            return out

        store.read_outbox = read_then_erase
        try:
            rt.webhooks.dispatch()
        finally:
            store.read_outbox = real
        logged = {d["lead_id"] for d in rt.webhooks.deliveries(sub, None, 100, None)["items"]}
        assert victim not in logged and len(logged) == 2
        assert store.read_outbox("alpha") == []


def test_one_queue_for_both_loses_no_message(tmp_path, hooks_rt) -> None:
    """LEAD_SYNC_WEBHOOK_QUEUE set to the sync queue: each function hands the other's messages on."""
    from shared.core.messages import SyncMessage

    rt = hooks_rt
    _write(tmp_path / "alpha.csv", 2)
    started = rt.syncs.start(__import__("shared.service", fromlist=["SyncRequest"]).SyncRequest("alpha"))
    body = SyncMessage("alpha", started.run_id, "manual").to_json()
    assert rt.webhooks.handle(body) is None  # a sync message reached the dispatcher: synced, not dropped
    assert rt.store.get_state("alpha") is not None
    assert rt.worker.handle(b'{"kind": "dispatch", "sheets": ["alpha"]}').value == "done"
