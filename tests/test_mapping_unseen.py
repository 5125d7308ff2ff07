"""
Column mapping on sheets nobody tuned on (issue 19, second round): one class per failure family
seen on the development part of the held-out corpus, each tested on invented values that show
the family, never on the corpus's own files.
"""

from __future__ import annotations

from shared.core.mapping import Profile, map_columns


def _fields(labels, samples=None, **kw) -> dict[str, str | None]:
    return {c.name: c.field for c in map_columns(labels, samples, **kw).columns}


PEOPLE = ["Ann Lee", "Bo Chan", "Cy Dart", "Di Moss", "Ed Finch", "Flo Grant"]


class TestEmailHeaderWithOddDomains:
    """Under an email header, addresses that fail strict validation are still addresses."""

    def test_ip_literal_and_bare_host_domains_keep_the_email_column(self) -> None:
        """ "ann@127.0.0.1", "bo@localhost": a test fixture's addresses, not a contradiction of the header."""
        samples = [PEOPLE[:4], ["ann@127.0.0.1", "bo@localhost", " cy@10.0.0.7", "di@intranet"]]
        assert _fields(["Name", "Email Address"], samples)["Email Address"] == "email"

    def test_loose_share_counts_only_address_shapes(self) -> None:
        """Text with an "@" inside a sentence or two "@" is not address-shaped; the header's veto stands."""
        p = Profile.of(["meet @ 5pm", "a@b@c", "call me", "n/a"])
        assert p.email_loose == 0.0
        samples = [PEOPLE[:4], ["meet @ 5pm", "call back", "no answer", "later"]]
        email = map_columns(["Name", "Email"], samples).columns[1]
        assert email.score < 60 and "only 0% of values are emails" in email.reason
