"""Property-based fuzzing of the MIS importer: any bytes give a clear error or a clean preview, never a crash,
and an import is either applied whole or not at all."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_csv_bytes
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, Pupil

from .conftest import SIMS_HEADERS, TODAY, upn

LEAD = Actor("Fuzz", Role.DSL)
cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
plausible_cell = st.one_of(
    cell,
    st.sampled_from(["", "Year 5", "R", "5A", "01/09/2015", "31/02/2015", "O'Brien, Jr", '"quoted"', "=1+1", "\x00"]),
    st.integers(1, 999).map(upn),
)


def as_csv(rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_reader(data: bytes) -> None:
    try:
        table = read_csv_bytes(data, "fuzz.csv")
    except ValidationError as exc:
        assert "fuzz.csv" in str(exc)  # the error names the file
        return
    assert isinstance(table.headers, list)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(plausible_cell, min_size=6, max_size=9), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_any_rows_are_all_or_nothing(tmp_path_factory, rows: list[list[str]], delimiter: str) -> None:  # type: ignore[no-untyped-def]
    folder: Path = tmp_path_factory.mktemp("fuzz")
    reg = open_register(folder)
    try:
        table = read_csv_bytes(as_csv([SIMS_HEADERS, *rows], delimiter), "fuzz.csv")
        with read_session(reg.engine) as session:
            preview = mis_import.preview(session, LEAD, table, today=TODAY)
        for rejection in preview.rejected:
            assert rejection.line >= 2 and rejection.field and rejection.reason
        try:
            with write_session(reg.engine) as session:
                applied = mis_import.apply(session, LEAD, table, today=TODAY)
        except mis_import.ImportRefused:
            applied = None
        with read_session(reg.engine) as session:
            pupils = session.scalar(select(func.count()).select_from(Pupil))
            audited = session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "imported pupils")
            )
        if applied is None:
            assert (pupils, audited) == (0, 0)  # refused: nothing written
        else:
            assert not preview.rejected and pupils == len(applied.added) and audited == 1
    except ValidationError as exc:
        assert "fuzz.csv" in str(exc)
    finally:
        reg.close()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_field_checks_fail_only_with_a_reason(text: str) -> None:
    from safeguard_desktop.domain.dates import parse_uk_date
    from safeguard_desktop.domain.pupils import normalise_upn, normalise_year_group, search_key

    for check in (parse_uk_date, normalise_year_group, normalise_upn):
        try:
            check(text)
        except ValueError as exc:
            assert str(exc)
    assert isinstance(search_key(text), str)
