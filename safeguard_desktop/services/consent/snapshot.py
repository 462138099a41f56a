"""The register as plain data, and the one place that turns stored rows into verdicts.

No SQLAlchemy here: the first screen can be built from rows read by any means, so the window paints before
the heavier libraries are imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from safeguard_desktop.domain.consent import ConsentState, DecisionFact, GivenByKind, Verdict, giver_key, may_appear
from safeguard_desktop.domain.pupils import display_name

#: (id, upn, admission number, forename, surname, preferred forename, year, class, born, on roll, never photograph)
PupilTuple = tuple[int, str | None, str | None, str, str, str | None, str, str, date | None, bool, bool]
#: (pupil id, purpose id, state, given on, recorded at, valid until, decision id, given by kind, given by name,
#: contact id, the contact's parental responsibility (None: no contact))
DecisionTuple = tuple[int, int, str, date, datetime, date | None, int, str, str, int | None, bool | None]


def fact_of(row: DecisionTuple) -> DecisionFact:
    """The rule's view of one stored decision: who gave it, and whether their grant can count."""
    kind = row[7]
    return DecisionFact(_STATES[row[2]], row[3], row[4], row[5], row[6], giver_key(kind, row[8], row[9]),
                        row[10] is not False, kind == _RESOLUTION)  # fmt: skip


_RESOLUTION = GivenByKind.RESOLUTION.value


@dataclass(frozen=True, slots=True)
class PurposeInfo:
    """A consent purpose as screens and exports show it."""

    id: int
    code: str
    name: str
    description: str
    wording_version: int
    active: bool
    #: "consent", or "public task" where the school decides (ICO's advice for publicly funded schools).
    lawful_basis: str = "consent"
    #: Years after a pupil leaves that the evidence of this purpose's decisions is kept (None: the school's rule).
    evidence_years: int | None = None


@dataclass(frozen=True, slots=True)
class PupilRow:
    """One line of the register."""

    id: int
    upn: str
    admission_number: str
    name: str
    forename: str
    surname: str
    year_group: str
    reg_group: str
    date_of_birth: date | None
    on_roll: bool
    never_photograph: bool
    verdicts: tuple[Verdict, ...]


@dataclass(frozen=True, slots=True)
class RegisterSnapshot:
    """The register on one date: purposes (columns) and pupils (rows)."""

    on: date
    purposes: tuple[PurposeInfo, ...]
    rows: tuple[PupilRow, ...]


_STATES = {s.value: s for s in ConsentState}


def build_snapshot(
    purposes: Sequence[PurposeInfo],
    pupils: Iterable[PupilTuple],
    decisions: Iterable[DecisionTuple],
    on: date,
) -> RegisterSnapshot:
    """Decide every pupil × purpose cell with :func:`may_appear`.

    ``decisions`` must arrive sorted by (pupil, purpose): each cell is decided as soon as its group is
    complete, so memory holds verdicts, not the whole history (50,000 pupils fit easily).
    """
    columns = {p.id: i for i, p in enumerate(purposes)}
    by_id = {row[0]: row for row in pupils}
    # A cell with no decision: still the rule's answer, computed once per kind of pupil.
    blank = {
        (never, on_roll): may_appear(never_photograph=never, decisions=(), on=on, on_roll=on_roll)
        for never in (False, True)
        for on_roll in (False, True)
    }
    cells: dict[int, list[Verdict]] = {
        pid: [blank[(bool(row[10]), bool(row[9]))]] * len(purposes) for pid, row in by_id.items()
    }
    for (pupil_id, purpose_id), group in groupby(decisions, key=lambda r: (r[0], r[1])):
        row = by_id.get(pupil_id)
        column = columns.get(purpose_id)
        if row is None or column is None:
            continue
        facts = [fact_of(g) for g in group]
        cells[pupil_id][column] = may_appear(
            never_photograph=bool(row[10]), decisions=facts, on=on, on_roll=bool(row[9])
        )
    rows = tuple(
        PupilRow(
            pid,
            upn or "",
            adno or "",
            display_name(forename, surname, preferred),
            preferred or forename,
            surname,
            year,
            reg,
            dob,
            bool(on_roll),
            bool(never),
            tuple(cells[pid]),
        )
        for pid, upn, adno, forename, surname, preferred, year, reg, dob, on_roll, never in by_id.values()
    )
    return RegisterSnapshot(on=on, purposes=tuple(purposes), rows=rows)
