"""Guessing through the app is slow, a two-step code works once, and the lock screen is a sign-in: same checks,
same record, every window hidden behind it."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest

from PySide6.QtWidgets import QDialog, QLabel

from safeguard_desktop.security import throttle
from safeguard_desktop.services import accounts
from safeguard_desktop.services.accounts import FAILED_LOG, SignInFailed
from safeguard_desktop.services.accounts.signin import create_register, sign_in
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.transaction import read_session, write_session

PASSWORD = "quiet harbour lamp twelve"


@pytest.fixture
def school(tmp_path: Path) -> Path:
    folder = tmp_path / "school"
    create_register(folder, "Elm", "lead", "Ann Lead", PASSWORD)[0].close()
    return folder


def test_the_wait_grows_with_each_failure_and_a_success_clears_it() -> None:
    now = 1_000_000.0
    assert throttle.wait_needed([now - 1] * (throttle.FREE_ATTEMPTS - 1), now) == 0
    waits = [throttle.wait_needed([now] * n, now) for n in range(throttle.FREE_ATTEMPTS, throttle.FREE_ATTEMPTS + 12)]
    assert waits[:4] == [5, 10, 20, 40] and waits[-1] == throttle.LONGEST_WAIT
    assert throttle.wait_needed([now - 6] * throttle.FREE_ATTEMPTS, now) == 0  # the wait has passed


def test_wrong_passwords_in_a_row_are_refused_before_they_are_tried(school: Path) -> None:
    for _ in range(throttle.FREE_ATTEMPTS):
        with pytest.raises(SignInFailed):
            sign_in(school, "lead", "a wrong guess at it")
    # WHEN even the right password comes too soon after the guesses THEN it is refused, and that attempt is
    # recorded too
    with pytest.raises(throttle.TooManyAttempts, match=r"Wait \d+ seconds"):
        sign_in(school, "lead", PASSWORD)
    entries = (school / FAILED_LOG).read_bytes().split(b"\0", 1)[0].decode().splitlines()
    assert len(entries) == throttle.FREE_ATTEMPTS + 1
    # Another name is not held up by this one's failures
    with pytest.raises(SignInFailed):
        sign_in(school, "someone.else", "another guess here")


def test_a_two_step_code_works_once(school: Path) -> None:
    reg, lead = sign_in(school, "lead", PASSWORD)
    secret = accounts.new_totp_secret()
    with write_session(reg.engine) as session:
        accounts.set_second_factor(session, lead, "lead", secret, pyotp.TOTP(secret).now())
    reg.close()
    code = pyotp.TOTP(secret).now()
    sign_in(school, "lead", PASSWORD, code)[0].close()
    with pytest.raises(SignInFailed):  # the same code again, within its window: refused
        sign_in(school, "lead", PASSWORD, code)
    earlier = pyotp.TOTP(secret).at(time.time() - 30)
    with pytest.raises(SignInFailed):  # nor an earlier one
        sign_in(school, "lead", PASSWORD, earlier)


def test_the_lock_hides_every_dialog_and_unlocks_only_as_a_sign_in_would(qtbot, school: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui import background
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    reg, lead = sign_in(school, "lead", PASSWORD)
    secret = accounts.new_totp_secret()
    with write_session(reg.engine) as session:
        accounts.set_second_factor(session, lead, "lead", secret, pyotp.TOTP(secret).now())
    background.set_synchronous(True)
    try:
        window = MainWindow(AppContext(reg, lead))
        qtbot.addWidget(window)
        window.show()
        summary = QDialog()
        QLabel("Helpline summary: Pupil A, Zoë Smith", summary)
        qtbot.addWidget(summary)
        summary.show()
        assert window.inactivity is not None
        window.lock_now(prompt=False)
        # Nothing stays readable behind the lock: the window's content and the open dialog are hidden
        assert not window.centralWidget().isVisible() and not summary.isVisible()
        # The password alone does not unlock an account with two-step sign-in, and the failure is recorded
        assert not window.inactivity.unlock(PASSWORD)
        assert b"lead" in (school / FAILED_LOG).read_bytes()
        code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step's code (a slow phone clock is allowed)
        assert window.inactivity.unlock(PASSWORD, code)
        assert window.centralWidget().isVisible() and summary.isVisible()
        with read_session(reg.engine) as session:
            actions = [row[2] for row in audit.recent(session)]
        assert "unlocked the window" in actions
    finally:
        background.set_synchronous(False)
        reg.close()
