"""A school's day on its server, each step as the account that does it in school, through the command line (the
same services as the app): the server's privileges and row policies must let every role do its work — and no more.

A privilege missing for one flow (the office printing letters, a teacher logging a concern, the DSL's subject access
record) would be a permission error in a school's office; this walks them all against a real PostgreSQL.

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases and roles (CI starts one).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from safeguard_desktop.cli import main
from safeguard_desktop.services.actors import Role

from .conftest import (
    SERVER_PASSWORD,
    SIMS_HEADERS,
    drop_logins,
    dsl_made_school,
    new_postgres_database,
    sims_rows,
    upn,
    write_csv,
)

ADMIN_URL = os.environ.get("SAFEGUARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
PASSWORD = SERVER_PASSWORD
ACCOUNTS = {"p.deputy": Role.DEPUTY_DSL, "o.office": Role.OFFICE, "t.teacher": Role.STAFF}


@pytest.fixture
def school(tmp_path: Path) -> Iterator[str]:
    """A new register on the server: its DSL (d.lead) made by `server init`, who sets the other accounts' passwords
    in the app (so each holds its key). Yields the address the school's PCs use (no administrator in it)."""
    assert ADMIN_URL
    with new_postgres_database(ADMIN_URL, "safeguard_day") as url:
        yield dsl_made_school(tmp_path, url, ACCOUNTS)
    drop_logins(ADMIN_URL, "d.lead", *ACCOUNTS)


class As:
    """The command line as one account, on its own PC."""

    def __init__(self, url: str, user: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.args = ["--data-dir", str(tmp_path / f"pc-{user}"), "--database", url, "--user", user,
                     "--password-file", str(tmp_path / "password.txt")]  # fmt: skip

    def __call__(self, *command: str, code: int = 0) -> str:
        done = main([*self.args, *command])
        out, err = self.capsys.readouterr()
        assert done == code, f"{' '.join(command)}: exit {done}, {err.strip()[-400:]}"
        assert "Traceback" not in err
        return out if code == 0 else err


def test_a_school_day_on_the_server_each_role_doing_its_own_work(
    school: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office, teacher, dsl, deputy = (As(school, user, tmp_path, capsys)
                                    for user in ("o.office", "t.teacher", "d.lead", "p.deputy"))  # fmt: skip
    # The office: the MIS export, a contact, the nativity, its letters and notices, a reply slip's answer.
    roll = write_csv(tmp_path / "roll.csv", [SIMS_HEADERS, *sims_rows(20)])
    office("import-pupils", str(roll))
    assert len(office("pupils").strip().splitlines()) >= 20
    office("contacts", "add", upn(1), "--name", "Amira Forename1", "--relationship", "Mother")
    office("events", "create", "--name", "Nativity", "--date", "10/12/2026", "--time", "14:00", "--venue", "Hall",
           "--policy", "personal-use", "--year", "Year 5")  # fmt: skip
    event = re.search(r"\d+", office("events", "list")).group(0)  # type: ignore[union-attr]
    office("letters", event, "--out", str(tmp_path / "letters.pdf"))
    letters = PdfReader(tmp_path / "letters.pdf")
    assert len(letters.pages) == 20
    reference = re.search(r"Ref (\S+)", letters.pages[4].extract_text()).group(1)  # type: ignore[union-attr]
    office("slips", "record", reference, "--answers", "filming=yes", "--given-by", "Ms Parent",
           "--relationship", "Mother", "--event", event)  # fmt: skip
    office("notice", event, "--out", str(tmp_path / "notice.pdf"))
    office("announcement", event, "--out", str(tmp_path / "announcement.pdf"))
    office("chase", event, "--out", str(tmp_path / "chase.pdf"))
    office("consent", "set", upn(1), "parent_filming", "granted", "--contact", "1", "--route", "paper slip")
    office("consent", "set", upn(2), "parent_filming", "refused", "--given-by", "Mr Surname2", "--relationship",
           "Father", "--route", "paper slip")  # fmt: skip
    assert "granted" in office("consent", "show", upn(1))
    assert "Published 1 event briefing" in office("publish")  # for staff, who may not read the decisions
    # ... and what is not the office's: the incidents, a never-photograph flag, the trail.
    office("incidents", "list", code=2)
    office("pupils", "never", upn(3), "--reason", "Court order", code=2)
    office("audit", "verify", code=2)

    # A teacher logs a concern from the classroom, and sees nothing else of the register.
    refused = teacher("incidents", "add", "--category", "cyberbullying", "--summary", "A clip", "--pupil", upn(2),
                      code=2)  # (a UPN is the register's; staff name pupils in the app, by name and class)  # fmt: skip
    assert "by name and class" in refused
    teacher("incidents", "add", "--category", "cyberbullying", "--summary", "Nativity clip shared in a class chat")
    teacher("briefing", event, "--out", str(tmp_path / "teacher-briefing.pdf"))  # the event's, to know who
    teacher("pupils", code=2)
    teacher("letters", event, "--out", str(tmp_path / "no.pdf"), code=2)

    # The DSL: the flag, the briefing, the concern followed up and closed, the exports, the checks.
    dsl("pupils", "never", upn(3), "--reason", "Court order: no images")
    dsl("briefing", event, "--out", str(tmp_path / "briefing.pdf"))
    briefing = "".join(page.extract_text() for page in PdfReader(tmp_path / "briefing.pdf").pages)
    assert "Surname3" in briefing  # the do-not-photograph list names the flagged pupil
    assert "Nativity clip shared" in dsl("incidents", "list") or dsl("incidents", "show", "1")
    dsl("incidents", "take", "1")
    dsl("incidents", "note", "1", "--kind", "action", "--text", "Asked the parents to take the clip down")
    dsl("incidents", "note", "1", "--kind", "referral", "--text", "Advice sought", "--referral-to",
        "helpline")  # fmt: skip
    dsl("incidents", "export", "1", "--format", "txt", "--out", str(tmp_path / "helpline.txt"))
    summary = (tmp_path / "helpline.txt").read_text(encoding="utf-8")
    assert "Nativity clip shared" in summary and "Advice sought" in summary  # what happened, what was done
    dsl("incidents", "close", "1", "--outcome", "resolved", "--reason", "Clip removed")
    dsl("incidents", "stats")
    dsl("incidents", "log", "--format", "csv", "--out", str(tmp_path / "log.csv"))
    with (tmp_path / "log.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 2  # the heading and the one incident
    dsl("conflicts", "list")
    dsl("sar", upn(2), "--out", str(tmp_path / "sar"))
    assert list((tmp_path / "sar").iterdir())
    dsl("retention", "review")
    dsl("terms", "set", "2026/27", "--autumn", "01/09/2026", "--spring", "05/01/2027", "--summer", "19/04/2027")
    dsl("audit", "export", "--out", str(tmp_path / "trail.csv"))
    dsl("audit", "verify")

    # A deputy reads the case whole; a second reading of the trail still checks.
    shown = deputy("incidents", "show", "1")
    assert "Asked the parents to take the clip down" in shown and "Clip removed" in shown
    deputy("audit", "verify")
