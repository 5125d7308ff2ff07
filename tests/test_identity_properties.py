"""
A stateful hypothesis test of identity over any sequence of sheet versions, against Azurite.

The model knows who each row really is (a person with a name, an email, a phone and a firm).
Sheet versions add people, remove them, change their emails (another domain, another address,
none), rename them, give them another person's phone (a switchboard), paste other people over
old phones, and a person approves blocked changes. After every sync:

- no stored lead is erased;
- a stored lead never passes from one person to another (no takeover);
- no stored email or phone disappears unless its own person changed it (an email change that
  keeps the lead's id) or the lead holding it was soft-deleted (it stays stored) or a person
  approved the change;
- a blocked sync changes nothing; any other sync serves exactly the sheet's people.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig
from shared.sync import sync_sheet
from tests.helpers import approve_blocked

SHEET = SheetConfig(id="who", customer="Who", source="csv", path="unused.csv")
FIRMS = ["Acme Ltd", "Globex", ""]


@dataclass
class Person:
    name: str
    email: str
    phone: str
    firm: str
    emails: set[str] = field(default_factory=set)
    """Every email this person ever had (their own changes)."""
    phones: set[str] = field(default_factory=set)


class _Source:
    def __init__(self) -> None:
        self.grid: list[list[str]] = []

    def fetch(self, sheet: SheetConfig) -> list[list[str]]:
        return [row[:] for row in self.grid]


def make_machine(connection: str) -> type[RuleBasedStateMachine]:  # noqa: C901 - one factory holds the machine's rules
    class NoTakeover(RuleBasedStateMachine):
        @initialize(n=st.integers(0, 14), firms=st.lists(st.sampled_from(FIRMS), min_size=14, max_size=14))
        def start(self, n: int, firms: list[str]) -> None:
            tag = uuid.uuid4().hex[:10]
            self.store = TableLeadStore(connection, f"il{tag}", f"is{tag}", f"ir{tag}")
            self.settings = Settings(sheets=(SHEET,), min_baseline=5)
            self.source = _Source()
            self.people: dict[int, Person] = {}
            self.owner: dict[str, int] = {}  # every name ever used -> its person
            self.sheet: list[int] = []
            self.serial = 0
            self.last = None
            self.before: dict[str, tuple[dict[str, str], bool]] = {}
            for i in range(n):
                self.sheet.append(self._new(firm=firms[i]))
            self._sync()

        # the model

        def _fresh(self) -> int:
            self.serial += 1
            return self.serial

        def _new(self, phone: str | None = None, firm: str = "", email: bool = True) -> int:
            n = self._fresh()
            p = Person(f"Person {n}", f"person{n}@mail{n % 3}.com" if email else "", phone or f"07911 {100000 + n}", firm)
            p.emails.add(p.email)
            p.phones.add(p.phone)
            self.people[n] = p
            self.owner[p.name] = n
            return n

        def _render(self) -> None:
            rows = [["Name", "Email", "Phone", "Company"]]
            rows += [[self.people[i].name, self.people[i].email, self.people[i].phone, self.people[i].firm] for i in self.sheet]
            self.source.grid = rows

        def _stored(self) -> dict[str, tuple[dict[str, str], bool]]:
            index = self.store.load_index("who")
            idents = self.store.load_identities("who", set(index), include_deleted=True)
            return {k: (idents.get(k, {}), v.deleted) for k, v in index.items()}

        def _sync(self) -> None:
            self._render()
            self.before = self._stored()
            self.last = sync_sheet(SHEET, self.source, self.store, self.settings)
            self._check()

        def _person(self, fields: dict[str, str]) -> int:
            return self.owner[fields["full_name"]]

        def _check(self) -> None:
            after = self._stored()
            assert set(self.before) <= set(after), "a stored lead was erased"
            report = self.last
            assert report is not None
            if report.blocked is not None and report.status == "ERROR":
                assert after == self.before, "a blocked sync changed storage"
            approved = "approved" in report.reason_codes
            held_emails = {f.get("email") for f, _ in after.values()}
            held_phones = {f.get("phone") for f, _ in after.values()}
            for key, (fields, _) in self.before.items():
                now, _ = after[key]
                who = self._person(fields)
                assert self._person(now) == who, "a stored lead passed to another person"
                person = self.people[who]
                for kind, held, own in (("email", held_emails, person.emails), ("phone", held_phones, person.phones)):
                    value = fields.get(kind)
                    if value and value not in held and not approved:
                        assert value in {v.replace(" ", "") for v in own} or _normal(value) in {_normal(v) for v in own}, (
                            f"a stored {kind} disappeared though its person did not change it"
                        )
            if report.status != "ERROR":
                live = {k: f for k, (f, deleted) in after.items() if not deleted}
                assert sorted(self._person(f) for f in live.values()) == sorted(self.sheet), "the served leads are not the sheet's people"
                for f in live.values():
                    p = self.people[self._person(f)]
                    assert (f.get("email") or "") == p.email.lower()

        # sheet versions

        @rule(k=st.integers(1, 3), share=st.booleans(), firm=st.sampled_from(FIRMS), email=st.booleans(), data=st.data())
        def add(self, k: int, share: bool, firm: str, email: bool, data: st.DataObject) -> None:
            for _ in range(k):
                phone = data.draw(st.sampled_from(sorted(p.phone for p in self.people.values()))) if share and self.people else None
                self.sheet.append(self._new(phone, firm, email))
            self._sync()

        @rule(data=st.data())
        def remove_some(self, data: st.DataObject) -> None:
            if self.sheet:
                gone = data.draw(st.lists(st.sampled_from(self.sheet), max_size=len(self.sheet), unique=True))
                self.sheet = [i for i in self.sheet if i not in gone]
            self._sync()

        @rule(data=st.data(), how=st.sampled_from(["domain", "address", "none"]))
        def change_email(self, data: st.DataObject, how: str) -> None:
            if self.sheet:
                p = self.people[data.draw(st.sampled_from(self.sheet))]
                local = p.email.split("@")[0] if p.email else f"x{self._fresh()}"
                p.email = {"domain": f"{local}@moved{self._fresh()}.org", "address": f"new{self._fresh()}@mail.com", "none": ""}[how]
                p.emails.add(p.email)
            self._sync()

        @rule(data=st.data())
        def rename(self, data: st.DataObject) -> None:
            if self.sheet:
                who = data.draw(st.sampled_from(self.sheet))
                p = self.people[who]
                p.name = f"Renamed {self._fresh()}"
                self.owner[p.name] = who
            self._sync()

        @rule(data=st.data())
        def share_a_phone(self, data: st.DataObject) -> None:
            if len(self.sheet) >= 2:
                a, b = data.draw(st.lists(st.sampled_from(self.sheet), min_size=2, max_size=2, unique=True))
                self.people[b].phone = self.people[a].phone
                self.people[b].phones.add(self.people[a].phone)
            self._sync()

        @rule(data=st.data(), same_firm=st.booleans())
        def paste_others_over_old_phones(self, data: st.DataObject, same_firm: bool) -> None:
            if self.sheet:
                victims = data.draw(st.lists(st.sampled_from(self.sheet), min_size=1, max_size=len(self.sheet), unique=True))
                self.sheet = [
                    self._new(self.people[i].phone, self.people[i].firm if same_firm else "") if i in victims else i for i in self.sheet
                ]
            self._sync()

        @rule()
        def approve(self) -> None:
            state = self.store.get_state("who")
            if state is not None and state.blocked is not None:
                approve_blocked(self.store, "who", confirm_empty=True)
            self._sync()

        @invariant()
        def ran(self) -> None:
            assert self.last is not None

    return NoTakeover


def _normal(phone: str) -> str:
    """07911 100001 as stored (E.164, GB)."""
    digits = "".join(c for c in phone if c.isdigit())
    return "+44" + digits[1:] if digits.startswith("0") else "+" + digits


def test_no_identity_is_taken_over(azurite) -> None:
    """Any sequence of sheet versions: no stored lead passes to another person and no stored email
    or phone disappears unless its person changed it, it was soft-deleted or a person approved."""
    machine = make_machine(azurite.connection_string)
    machine.TestCase.settings = settings(
        max_examples=15, stateful_step_count=8, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    machine.TestCase().runTest()
