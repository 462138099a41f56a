"""Restricted cases and allegations against staff on the incidents screen, driven as the leads would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services.accounts.signin import sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.ui import background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.main_window import MainWindow

from .conftest import school_with_accounts

LEAD = "correct pony staple lantern"
DEPUTY = "purple otter evening quilt"
OTHER = "amber violin coastal heron"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "school"
    school_with_accounts(data, LEAD, ("d.deputy", Role.DEPUTY_DSL, DEPUTY), ("e.deputy", Role.DEPUTY_DSL, OTHER))
    return data


@pytest.fixture
def opened(qtbot, folder: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    background.set_synchronous(True)
    windows = []

    def open_as(user: str, password: str) -> MainWindow:
        reg, actor = sign_in(folder, user, password)
        win = MainWindow(AppContext(reg, actor))  # type: ignore[arg-type]
        qtbot.addWidget(win)
        windows.append((win, reg))
        screen = win.incidents_screen
        assert screen is not None
        win.tabs.setCurrentWidget(screen)
        screen.reload()
        return win

    yield open_as
    for win, reg in windows:
        win.close()
        reg.close()
    background.set_synchronous(False)


def _log(screen, category: Category, summary: str) -> None:  # type: ignore[no-untyped-def]
    """Log an incident through the screen's own form, as a lead would."""
    dialog = screen.on_log_button_clicked()
    dialog.category_combo.setCurrentIndex(dialog.category_combo.findData(category.value))
    dialog.summary_edit.setPlainText(summary)
    dialog.on_save()


def test_an_allegation_logged_by_a_lead_is_restricted_and_its_part4_recorded(opened) -> None:  # type: ignore[no-untyped-def]
    win = opened("a.lead", LEAD)
    screen = win.incidents_screen
    _log(screen, Category.ALLEGATION, "A parent says a teacher messaged her son on a gaming app.")
    assert screen.current is not None and screen.current.restricted
    assert "restricted" in screen.title.text()
    assert not screen.part4_button.isHidden() and screen.readers_button.isEnabled()
    screen.open_part4()
    part4 = screen._part4
    assert "LADO is to be told by" in part4.findChildren(type(screen.title))[0].text()
    part4.manager_edit.setText("Mrs Helen Carter")
    part4.on_save()
    assert any("Case manager: Mrs Helen Carter" in screen.chronology.row_text(r)
               for r in range(screen.chronology.row_count()))  # fmt: skip
    readers = screen.choose_readers()
    names = [readers.readers_list.item(i).text() for i in range(readers.readers_list.count())]
    assert any("(you)" in n for n in names) and len(names) == 3
    closing = screen.close_incident()
    assert closing.finding_combo is not None and closing.finding_combo.count() == 6
    closing.outcome_edit.setPlainText("Advice given")
    closing.reason_edit.setPlainText("Agreed with the LADO")
    closing.on_save()
    assert "finding" in closing.error_label.text()  # no finding chosen: refused, nothing typed is lost
    assert closing.outcome_edit.toPlainText() == "Advice given"


def test_a_lead_not_named_sees_the_case_exists_and_nothing_of_it(opened) -> None:  # type: ignore[no-untyped-def]
    win = opened("a.lead", LEAD)
    screen = win.incidents_screen
    _log(screen, Category.PRIVACY, "Photos of a pupil posted by Deputy D's partner.")
    readers = screen.choose_readers()
    for i in range(readers.readers_list.count()):
        item = readers.readers_list.item(i)
        if "E.Deputy" in item.text():
            item.setCheckState(item.checkState().__class__.Checked)
    readers.reason_edit.setPlainText("D.Deputy is close to the subject")
    readers.on_save()
    assert screen.current is not None and screen.current.restricted
    number = screen.current.id
    deputy = opened("d.deputy", DEPUTY).incidents_screen
    assert not deputy.list.row_count()  # not in their caseload's views: a case that is not theirs
    deputy.view_combo.setCurrentText("All incidents")
    row = next(r for r in range(deputy.list.row_count()) if deputy.list.text(r, 0) == str(number))
    assert "Restricted case" in deputy.list.row_text(row) and "privacy" not in deputy.list.row_text(row).lower()
    deputy.list.choose_row(row)
    assert deputy.current is None and "restricted case" in deputy.title.text()
    assert "Photos" not in deputy.facts.text() and not deputy.entry_button.isEnabled()
    other = opened("e.deputy", OTHER).incidents_screen
    other.list.choose_key(number)
    assert other.current is not None and other.current.summary.startswith("Photos of a pupil")
