"""
A receiver in TypeScript verifies what Lead Sync sends (issue 22): the sender signs a real request
with the Python Standard Webhooks library; clients/typescript/src/webhooks.ts, compiled by tsc and
run by node with the npm Standard Webhooks library, accepts it, refuses it tampered, and handles
a repeated webhook-id once. Skipped only without node.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts.webhook_receiver import new_secret, receiver
from shared.adapters.webhook_sender import WebhookSender
from shared.core.events import Event, payload
from tests.helpers import compile_typescript_client

RUN = """
import { readFileSync } from "node:fs";
import { verifyLeadEvent, handleLeadWebhook, WebhookVerificationError } from "./webhooks.js";
const { secret, body, headers } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = {};
const event = verifyLeadEvent(secret, body, headers);
out.type = event.type; out.sequence = event.data.sequence; out.id = event.id;
try { verifyLeadEvent(secret, body.replace("lead.created", "lead.deleted"), headers); out.tampered = "accepted"; }
catch (e) { out.tampered = e instanceof WebhookVerificationError ? "refused" : String(e); }
try { verifyLeadEvent("whsec_" + Buffer.from("x".repeat(32)).toString("base64"), body, headers); out.other = "accepted"; }
catch (e) { out.other = e instanceof WebhookVerificationError ? "refused" : String(e); }
const seen = new Set(); let handled = 0;
for (let i = 0; i < 2; i++) {
  const r = await handleLeadWebhook(new Request("http://x/", { method: "POST", body, headers }), secret, seen, () => { handled++; });
  out["status" + i] = r.status;
}
out.handled = handled;
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_a_typescript_receiver_verifies_what_the_sender_signs(tmp_path: Path) -> None:
    secret = new_secret()
    event = Event("alpha", 42, "e0123456789abcdef", "created", datetime.now(UTC), "Acme")
    with receiver(secret) as (url, got):
        attempt = WebhookSender(allow_loopback=True).send(url, secret, event.id, datetime.now(UTC), json.dumps(payload(event)).encode())
    assert attempt.ok and got.bad_signatures == 0
    body, headers = got.raw[0]
    case = tmp_path / "case.json"
    case.write_text(
        json.dumps(
            {
                "secret": secret,
                "body": body.decode(),
                "headers": {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")},
            }
        )
    )
    client = compile_typescript_client(tmp_path / "js")
    (client.parent / "run.mjs").write_text(RUN)
    proc = subprocess.run(
        ["node", str(client.parent / "run.mjs"), str(case)], capture_output=True, text=True, timeout=60, cwd=client.parent
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out == {
        "type": "lead.created",
        "sequence": 42,
        "id": event.id,
        "tampered": "refused",
        "other": "refused",
        "status0": 204,
        "status1": 204,
        "handled": 1,
    }
