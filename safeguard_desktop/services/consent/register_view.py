"""The register as its screen arranges it — search keys, an order, the year and class groups — worked out with
the read, off the GUI thread: at 50,000 pupils this took 380 ms of the GUI thread after every recorded decision.
Pure Python, no Qt: the screen's model takes a :class:`Prepared` as it is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from safeguard_desktop.domain.pupils import search_key, year_group_order
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.consent.snapshot import PupilRow, RegisterSnapshot

#: The register's columns: four fixed, then one per purpose.
COL_NAME, COL_YEAR, COL_REG, COL_UPN = range(4)
FIXED_COLUMNS = 4


@dataclass(frozen=True)
class Prepared:
    """A snapshot with what is worked out from every row: search keys, the order for ``sort`` (column,
    descending), the year groups in school order and the classes."""

    snapshot: RegisterSnapshot
    keys: list[str]
    #: Each row's name as it sorts (folded surname, folded forename, id): worked out once, for every sort.
    names: list[tuple[str, str, int]]
    sort: tuple[int, bool]
    order: list[int]
    year_groups: list[str]
    reg_groups: list[str]
    #: Pupils in the register: more than the rows when only the first of them were read (see load_prepared).
    total: int = 0

    @property
    def complete(self) -> bool:
        """True when every pupil is in it."""
        return len(self.snapshot.rows) >= self.total


def sort_names(rows: Sequence[PupilRow]) -> list[tuple[str, str, int]]:
    """Each row's name as it sorts: as people read it, accents aside (Çağla between Bilal and Daisy, not after
    Zara)."""
    return [(search_key(r.surname), search_key(r.forename), r.id) for r in rows]


def order_of(rows: Sequence[PupilRow], column: int, descending: bool = False,
             names: Sequence[tuple[str, str, int]] | None = None) -> list[int]:  # fmt: skip
    """Row numbers sorted by ``column`` (name by surname then forename; a purpose by its verdict, then surname);
    ``names``: the rows' sort_names, when already worked out (folding 50,000 names took most of a sort)."""
    names = names if names is not None else sort_names(rows)
    key: Callable[[int], Any]
    if column == COL_NAME:
        key = names.__getitem__
    elif column == COL_YEAR:
        key = lambda i: (year_group_order(rows[i].year_group), rows[i].reg_group, names[i])  # noqa: E731
    elif column == COL_REG:
        key = lambda i: (rows[i].reg_group, names[i])  # noqa: E731
    elif column == COL_UPN:
        key = lambda i: rows[i].upn  # noqa: E731
    else:
        p = column - FIXED_COLUMNS
        key = lambda i: (rows[i].verdicts[p].value, names[i])  # noqa: E731
    return sorted(range(len(rows)), key=key, reverse=descending)


def prepare(snapshot: RegisterSnapshot, column: int = COL_NAME, descending: bool = False, *,
            total: int | None = None) -> Prepared:  # fmt: skip
    """Work out the keys, the order and the groups of ``snapshot`` (``total``: the register's size, when the
    snapshot holds only the first pupils)."""
    rows = snapshot.rows
    keys = [search_key(r.name, r.forename, r.surname, r.upn, r.admission_number, r.reg_group) for r in rows]
    names = sort_names(rows)
    return Prepared(snapshot, keys, names, (column, descending), order_of(rows, column, descending, names),
                    sorted({r.year_group for r in rows if r.year_group}, key=year_group_order),
                    sorted({r.reg_group for r in rows if r.reg_group}),
                    len(rows) if total is None else total)  # fmt: skip


def load_prepared(session: Session, actor: Actor, *, column: int = COL_NAME, descending: bool = False,
                  include_left: bool = False, on: date | None = None,
                  first: int | None = None) -> Prepared:  # fmt: skip
    """The register read (the permission of grid.load_register) and prepared, in one go; with ``first``, only
    the first so many pupils by name — what the screen shows at once while it reads the rest."""
    actor.require(Operation.VIEW_REGISTER)
    day = on or date.today()
    if first is None:
        return prepare(grid.snapshot_on(session, day, include_left=include_left), column, descending)
    ids, total = grid.first_pupils(session, first, include_left=include_left)
    snapshot = grid.snapshot_on(session, day, include_left=include_left, pupil_ids=ids)
    return prepare(snapshot, column, descending, total=total)
