"""The audit trail is tamper-evident: every kind of tampering is named at the first broken entry."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.records import audit
from safeguard_desktop.store import migrate
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import register_at


def fill(reg: Register, actor: Actor, n: int = 10) -> None:
    for i in range(n):
        with write_session(reg.engine) as session:
            audit.record(session, actor, "viewed pupil", "pupil", i, f"detail {i}")


def check(reg: Register, actor: Actor) -> audit.Verification:
    with read_session(reg.engine) as session:
        return audit.verify(session, actor)


def raw(reg: Register) -> sqlite3.Connection:
    return sqlite3.connect(reg.folder / "register.db", isolation_level=None)


def test_an_untouched_trail_verifies(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl)
    result = check(reg, dsl)
    assert result.intact and result.entries == 10
    assert "intact: 10 entries" in result.describe()
    anchor = audit.AuditTrail(b"", reg.folder / audit.ANCHOR_FILE).read_anchor()
    assert anchor == (10, result_hash(reg, 10))


def result_hash(reg: Register, sequence: int) -> str:
    with raw(reg) as conn:
        return conn.execute("SELECT chain_hash FROM audit_entry WHERE sequence = ?", (sequence,)).fetchone()[0]


def recompute_chain(conn: sqlite3.Connection, key: bytes) -> None:
    """What a tamperer with write access would do: rehash every entry and the head."""
    rows = conn.execute(
        "SELECT id, sequence, at, actor, action, record_kind, record_id, detail FROM audit_entry ORDER BY sequence"
    ).fetchall()
    previous = ""
    for row_id, seq, at, actor, action, kind, rid, detail in rows:
        text = "\x1f".join(
            (str(seq), previous, datetime.fromisoformat(at).isoformat(), actor, action, kind, rid, detail)
        )
        previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        conn.execute("UPDATE audit_entry SET chain_hash = ? WHERE id = ?", (previous, row_id))
    conn.execute("UPDATE audit_head SET last_hash = ?", (previous,))


def test_an_edited_entry_is_named(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl)
    with raw(reg) as conn:
        conn.execute("UPDATE audit_entry SET detail = 'nothing to see' WHERE sequence = 4")
    result = check(reg, dsl)
    assert (result.intact, result.first_broken) == (False, 4) and "altered" in result.reason


def test_a_deleted_entry_is_named(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl)
    with raw(reg) as conn:
        conn.execute("DELETE FROM audit_entry WHERE sequence = 6")
    result = check(reg, dsl)
    assert (result.intact, result.first_broken) == (False, 6) and "missing" in result.reason


def test_reordered_entries_are_named(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl)
    with raw(reg) as conn:
        conn.execute("UPDATE audit_entry SET sequence = -1 WHERE sequence = 3")
        conn.execute("UPDATE audit_entry SET sequence = 3 WHERE sequence = 7")
        conn.execute("UPDATE audit_entry SET sequence = 7 WHERE sequence = -1")
    result = check(reg, dsl)
    assert (result.intact, result.first_broken) == (False, 3)


def test_a_cut_off_tail_is_named_even_with_the_head_rewritten(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl)
    with raw(reg) as conn:
        conn.execute("DELETE FROM audit_entry WHERE sequence > 7")
        last = conn.execute("SELECT chain_hash FROM audit_entry WHERE sequence = 7").fetchone()[0]
        conn.execute("UPDATE audit_head SET count = 7, last_hash = ?", (last,))
    result = check(reg, dsl)
    assert (result.intact, result.first_broken) == (False, 8) and "cut off" in result.reason


def test_a_recomputed_chain_is_caught(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl)
    # Someone edits entry 2 and recomputes every hash after it with a key of their own.
    with raw(reg) as conn:
        conn.execute("UPDATE audit_entry SET actor = 'someone else' WHERE sequence = 2")
        recompute_chain(conn, b"guessed key")
    result = check(reg, dsl)
    assert (result.intact, result.first_broken) == (False, 1)


def test_a_recompute_with_the_real_key_is_caught_by_the_outside_anchor(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl)
    with raw(reg) as conn:
        key = bytes.fromhex(conn.execute("SELECT chain_key FROM audit_head").fetchone()[0])  # inside the register
        conn.execute("UPDATE audit_entry SET detail = 'rewritten' WHERE sequence = 9")
        recompute_chain(conn, key)
    result = check(reg, dsl)
    assert (result.intact, result.first_broken) == (False, 10) and "anchor" in result.reason


def test_a_rolled_back_change_leaves_no_entry(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl, 2)
    with pytest.raises(RuntimeError), write_session(reg.engine) as session:
        audit.record(session, dsl, "about to fail")
        raise RuntimeError("boom")
    result = check(reg, dsl)
    assert result.intact and result.entries == 2


def test_only_leads_verify(reg: Register, office: Actor) -> None:
    with pytest.raises(PermissionDenied), read_session(reg.engine) as session:
        audit.verify(session, office)


def test_entries_from_before_the_chain_are_sealed_when_migrating(tmp_path: Path, dsl: Actor) -> None:
    # GIVEN a register at the first schema, with audit entries written then
    register_at(tmp_path, "0001_initial")
    with sqlite3.connect(tmp_path / "register.db") as conn:
        for i in range(3):
            conn.execute(
                "INSERT INTO audit_entry (at, actor, action, record_kind, record_id, detail) VALUES (?, ?, ?, '', '', '')",
                (f"2026-09-0{i + 1} 10:00:00.000000", "old user", f"old action {i}"),
            )
    conn.close()
    # WHEN this version opens it
    reg = open_register(tmp_path)
    # THEN it was backed up first, migrated, and the old entries lead the chain
    assert list((tmp_path / "backups").glob("register-before-migration-*.db"))
    assert migrate.current_revision(reg.engine) == migrate.HEAD_REVISION
    fill(reg, dsl, 1)
    result = check(reg, dsl)
    assert result.intact and result.entries == 4
    reg.close()


def test_cli_verify_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv

    from safeguard_desktop.cli import main
    from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS

    from .conftest import cli_register, raw_database

    signed = cli_register(tmp_path, demo_pupils=20)
    assert main([*signed, "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    out = tmp_path / "audit.csv"
    assert main([*signed, "audit", "export", "--out", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["Entry", "When", "Who"]
    assert [row[3] for row in rows[1:3]] == ["set up the school and its default purposes",
                                             "created the register and the first DSL account"]  # fmt: skip
    conn = raw_database(tmp_path / "data", DEMO_ACCOUNTS[0][0], DEMO_ACCOUNTS[0][1])
    with conn:
        conn.execute("UPDATE audit_entry SET action = '=HYPERLINK(\"x\")' WHERE sequence = 1")
    conn.close()
    assert main([*signed, "audit", "verify"]) == 2
    assert "broken at entry 1" in capsys.readouterr().out
    main([*signed, "audit", "export", "--out", str(out)])
    assert list(csv.reader(out.open(encoding="utf-8-sig")))[1][3] == '\'=HYPERLINK("x")'


def test_spreadsheet_safe_cells() -> None:
    from safeguard_desktop.services.csv_export import spreadsheet_safe

    for hostile in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1"):
        assert spreadsheet_safe(hostile).startswith("'")
    assert spreadsheet_safe("O'Brien") == "O'Brien" and spreadsheet_safe(None) == ""


def test_a_forged_row_without_a_sequence_is_never_chained_in(tmp_path: Path, dsl: Actor) -> None:
    reg = open_register(tmp_path / "data")
    fill(reg, dsl, 5)
    reg.close()
    with raw(reg) as conn:  # a row slipped in from outside, as if from before the chain existed
        conn.execute(
            "INSERT INTO audit_entry (at, actor, action, record_kind, record_id, detail) "
            "VALUES ('2026-11-30 09:00:00', 'Dana Lead', 'granted consent', 'pupil', '7', 'forged')"
        )
    again = open_register(tmp_path / "data")  # opening used to chain it in, and then it verified
    fill(again, dsl, 2)
    result = check(again, dsl)
    again.close()
    assert not result.intact and "outside the chain" in result.reason


def test_a_cut_tail_stays_caught_however_many_entries_follow(reg: Register, dsl: Actor) -> None:
    fill(reg, dsl, 10)
    with raw(reg) as conn:  # the last three cut, the head rewritten to match; the anchor (count 10) untouched
        conn.execute("DELETE FROM audit_entry WHERE sequence > 7")
        last = conn.execute("SELECT chain_hash FROM audit_entry WHERE sequence = 7").fetchone()[0]
        conn.execute("UPDATE audit_head SET count = 7, last_hash = ?", (last,))
    fill(reg, dsl, 8)  # sign-ins and work carry on past the anchor's count
    result = check(reg, dsl)
    assert not result.intact  # the anchor never moved on past the cut, so it still shows


def test_everything_deleted_with_its_anchor_is_caught_by_the_backups(tmp_path: Path, dsl: Actor) -> None:
    from safeguard_desktop.services.records import backup, trail_check

    reg = open_register(tmp_path / "data")
    fill(reg, dsl, 6)
    backup.back_up(reg.engine, reg.folder, dsl, reg.folder / "backups")
    reg.close()
    with raw(reg) as conn:
        conn.execute("DELETE FROM audit_entry")
        conn.execute("DELETE FROM audit_head")
    (reg.folder / audit.ANCHOR_FILE).unlink()
    again = open_register(tmp_path / "data")
    with write_session(again.engine) as session:
        result = trail_check.check(session, dsl, again.folder)
    again.close()
    assert not result.intact and "the backup register-" in result.reason  # it used to say "intact: 1 entries"


def test_two_accounts_open_in_one_process_mark_their_own_entries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each open register carries its own trail, sealing and signer (no module dictionary keyed by the file's
    URL, where the second sign-in took over the first one's marks)."""
    from sqlalchemy import select

    from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_demo_register, sign_in
    from safeguard_desktop.store.models import AuditEntry

    create_demo_register(tmp_path, pupils=5)[0].close()
    (lead_user, lead_password, *_), (deputy_user, deputy_password, *_) = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]
    lead_reg, lead = sign_in(tmp_path, lead_user, lead_password)
    deputy_reg, deputy = sign_in(tmp_path, deputy_user, deputy_password)
    try:
        with write_session(lead_reg.engine) as session:
            audit.record(session, lead, "viewed pupil", "pupil", 1, "by the lead")
        with write_session(deputy_reg.engine) as session:
            audit.record(session, deputy, "viewed pupil", "pupil", 2, "by the deputy")
        with read_session(lead_reg.engine) as session:
            marks = dict(session.execute(select(AuditEntry.detail, AuditEntry.signer)
                                         .where(AuditEntry.detail.like("by the %"))).all())  # fmt: skip
        assert marks == {"by the lead": lead_user, "by the deputy": deputy_user}
        assert lead_reg.trail.anchor_path == deputy_reg.trail.anchor_path  # one file, two open registers
    finally:
        deputy_reg.close()
        lead_reg.close()


def test_a_change_made_during_the_check_goes_ahead_and_the_check_is_recorded_after(  # type: ignore[no-untyped-def]
    reg: Register, dsl: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads (streamed, in batches) and holds no write lock: a decision recorded on another connection
    halfway through is saved at once (it used to wait for the whole check and fail with "database is locked")."""
    from safeguard_desktop.services.records import trail_check
    from safeguard_desktop.store.models import AuditEntry

    fill(reg, dsl, 30)
    monkeypatch.setattr(audit, "CHAIN_BATCH", 5)
    seen: list[tuple[int, int]] = []

    def meanwhile(done: int, total: int) -> None:
        if not seen:
            with write_session(reg.engine) as other:  # another connection, as another PC or screen would
                audit.record(other, dsl, "recorded a decision", "pupil", 99)
        seen.append((done, total))

    with read_session(reg.engine) as session:
        result = trail_check.check(session, dsl, reg.folder, progress=meanwhile)
    assert result.intact and result.entries == 31 and seen[:2] == [(5, 30), (10, 30)]
    with write_session(reg.engine) as session:
        trail_check.record_check(session, dsl, result)
    with read_session(reg.engine) as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.sequence.desc()).limit(2)))
    assert actions == ["verified the audit trail", "recorded a decision"] and check(reg, dsl).intact
