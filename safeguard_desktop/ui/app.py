"""Start the GUI in one fixed order: arguments → paths → logging → last-resort handler → application → the register
(first run, sign-in, or a shared one by URL) → window."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from safeguard_desktop import paths
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.ui.kit import pauses, steps

if TYPE_CHECKING:
    from safeguard_desktop.services.accounts.staff_room import StaffDesk
    from safeguard_desktop.services.actors import Actor
    from safeguard_desktop.services.database import Register
    from safeguard_desktop.services.server_trust import TrustDesk

log = logging.getLogger("safeguard_desktop")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """GUI options."""
    parser = argparse.ArgumentParser(prog="safeguard-desktop", description="Safeguard Desktop")
    parser.add_argument("--data-dir", help="folder of the register (default: the platform's user data folder)")
    parser.add_argument("--database", help="SQLAlchemy URL of a shared register")
    parser.add_argument("--demo", action="store_true", help="open the demo school of fictional pupils")
    return parser.parse_args(argv)


def setup_logging(folder: Path) -> None:
    """A rotating log file in the log folder; no personal data is logged."""
    handler = logging.handlers.RotatingFileHandler(
        paths.log_dir(folder) / "safeguard.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def demo_folder(base: Path) -> Path:
    """The demo school lives apart from the real register, so fictional and real pupils never mix."""
    folder = base / "demo-school"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ensure_demo(folder: Path) -> None:
    """Create the demo school in ``folder`` if there is no register there: encrypted, an account per role."""
    from safeguard_desktop.services.accounts.signin import create_demo_register

    if not paths.database_file(folder).exists():
        create_demo_register(folder)[0].close()


def preload_store() -> None:
    """Import what opening a register needs (SQLAlchemy, Alembic, the services, the main window) — run on a
    background thread while the sign-in dialog waits for the password, so "Sign in" paints sooner."""
    import importlib

    for name in (
        "sqlalchemy.orm",
        "sqlcipher3",
        "argon2",
        "safeguard_desktop.store.migrate",
        "safeguard_desktop.services.accounts.signin",
        "safeguard_desktop.services.consent.grid",
        # What the sign-in itself uses: the key slots' ciphers, the trail's check, the staff room's intake.
        "cryptography.hazmat.primitives.ciphers.aead",
        "cryptography.hazmat.primitives.asymmetric.x25519",
        "cryptography.hazmat.primitives.asymmetric.ed25519",
        "cryptography.hazmat.primitives.kdf.hkdf",
        "safeguard_desktop.services.records.trail_check",
        "safeguard_desktop.services.incidents",
        "safeguard_desktop.ui.main_window",
    ):
        try:
            importlib.import_module(name)
        except ImportError:  # the sign-in itself will say what is missing
            return


def sign_in_or_create(
    folder: Path, base: Path, *, choosable: bool = False
) -> tuple[Register | StaffDesk | TrustDesk, Actor] | bool | str | None:
    """First run (create the register — in a folder the school chooses when ``choosable`` —, open one already
    made in another folder, choose the demo or the school's server), then sign-in for an encrypted register.

    Returns the open register and who signed in; None when the person cancelled; False for an unencrypted
    register from an earlier version, which opens the old way; "server" when the person chose the school's server
    (its address now remembered in ``base``).
    """
    from safeguard_desktop.security import keyring
    from safeguard_desktop.ui.signin import FirstRunDialog, RecoveryKeyDialog, SignInDialog

    if not paths.database_file(folder).exists() and not keyring.is_protected(folder):
        first = FirstRunDialog(folder, choosable=choosable)
        accepted = first.exec() == FirstRunDialog.DialogCode.Accepted
        note, choice, made, school, chosen = (first.remember_note, first.choice, first.result_,
                                              first.school_edit.text(), first.folder)  # fmt: skip
        first.deleteLater()  # its answers read (a dialog left to the interpreter's exit can crash it: Python 3.12)
        if not accepted:
            return None
        if note:
            QMessageBox.information(None, "Safeguard Desktop", note)
        if choice == "created" and made is not None:
            reg, actor, recovery = made
            RecoveryKeyDialog(recovery, school).exec()
            return reg, actor
        if choice == "server":
            return "server"
        if choice == "existing":
            folder = chosen
        else:
            folder = demo_folder(base)
            from safeguard_desktop.ui.signin import busy

            with busy():
                ensure_demo(folder)
    if not keyring.is_protected(folder):
        return False
    import threading

    threading.Thread(target=preload_store, name="preload", daemon=True).start()
    dialog = SignInDialog(folder, switch_in=None if folder == demo_folder(base) else base)
    code = dialog.exec()
    dialog.deleteLater()  # (a dialog left to the interpreter's exit can crash it: seen on Python 3.12)
    if code == SignInDialog.SWITCHED:
        return "server"
    if code != SignInDialog.DialogCode.Accepted or dialog.result_ is None:
        return None
    return dialog.result_


def ask_about_empty_register(*, offer_demo: bool = True) -> str:
    """On a register with no pupils: open the demo school, import a pupil list, or start empty."""
    box = QMessageBox()
    box.setWindowTitle("Welcome to Safeguard Desktop")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText("There are no pupils in this register yet.")
    box.setInformativeText(
        "Open a demo school of fictional pupils to look around, or import your pupil list from your MIS "
        "(SIMS, Arbor, Bromcom, ScholarPack or iSAMS export, CSV or Excel)."
    )
    demo = box.addButton("Open the &demo school", QMessageBox.ButtonRole.AcceptRole) if offer_demo else None
    imp = box.addButton("&Import pupils…", QMessageBox.ButtonRole.ActionRole)
    box.addButton("Start &empty", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(demo or imp)
    box.exec()
    if box.clickedButton() is demo:
        return "demo"
    if box.clickedButton() is imp:
        return "import"
    return "empty"


def _open_with_sqlalchemy(args: argparse.Namespace, base: Path) -> tuple[Register, str] | None:
    """The ordinary start-up path: SQLAlchemy, migrations, the empty-register question."""
    from safeguard_desktop.services.database import RegisterLocked, open_register
    from safeguard_desktop.store.migrate import DatabaseTooNew

    folder = demo_folder(base) if args.demo else base
    try:
        if args.demo:
            ensure_demo(folder)
        if args.database is not None and not args.demo:  # its anchor apart from a local register's
            from safeguard_desktop.services import server

            reg = open_register(server.local_folder(folder, args.database), args.database)
        else:
            reg = open_register(folder)
        action = "open"
        if not args.demo and args.database is None and reg.is_empty():
            action = ask_about_empty_register()
            if action == "demo":
                reg.close()
                folder = demo_folder(base)
                ensure_demo(folder)
                reg = open_register(folder)
    except (DatabaseTooNew, RegisterLocked) as exc:
        QMessageBox.critical(None, "Safeguard Desktop", str(exc))
        return None
    except OSError as exc:
        QMessageBox.critical(None, "Safeguard Desktop", f"The register could not be opened:\n{exc.strerror or exc}")
        return None
    return reg, action


# Qt modules the app needs beyond QtWidgets. From PySide6 6.12 QtPdf is its own wheel (PySide6_Pdf): a copy
# installed without it must say so at start, not fail when a document is first previewed.
QT_MODULES = ("PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtCharts", "PySide6.QtPrintSupport")


def installation_problems() -> list[str]:
    """What this installation lacks: bundled files and Qt modules (found without loading them)."""
    import importlib.util

    from safeguard_desktop.resources import missing_resources

    missing = missing_resources()
    missing += [f"the Qt module {name}" for name in QT_MODULES if importlib.util.find_spec(name) is None]
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``safeguard-desktop``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--qr-worker"]:  # the packaged app encoding QR codes for a big batch of letters
        from safeguard_desktop.documents.qr_worker import serve

        serve(sys.stdin, sys.stdout)
        return 0
    args = parse_args(arguments)
    base = paths.data_dir(args.data_dir)
    setup_logging(base)
    from safeguard_desktop.ui import excepthook

    excepthook.install(paths.log_dir(base))
    QCoreApplication.setOrganizationName(paths.APP_AUTHOR)
    QCoreApplication.setApplicationName(paths.APP_NAME)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setApplicationDisplayName("Safeguard Desktop")
    problems = installation_problems()
    if problems:
        log.error("incomplete installation: %s", ", ".join(problems))
        QMessageBox.critical(
            None,
            "Safeguard Desktop",
            "This copy of Safeguard Desktop is incomplete and cannot start safely. Missing: "
            + ", ".join(problems)
            + ". Reinstall it (from its installer, or 'pip install safeguard-desktop' with its dependencies).",
        )
        return 2
    from PySide6.QtGui import QIcon

    from safeguard_desktop.resources import resource_path

    QApplication.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))
    paths.clear_viewing(base)
    app.setProperty("viewing_folder", str(paths.viewing_dir(base)))

    opened = open_register_for(args, base)
    if isinstance(opened, int):
        return opened
    assert isinstance(app, QApplication)
    return show_window(app, opened, args)


def open_register_for(args: argparse.Namespace, base: Path) -> Signed | int:
    """The one way to an open register: a shared one by URL; else first run or sign-in for an encrypted register,
    and the plain open for an unencrypted one from an earlier version. An int is the exit code (0: cancelled)."""
    from safeguard_desktop.services import server_address
    from safeguard_desktop.services.actors import local_lead

    folder = demo_folder(base) if args.demo else base
    url = args.database
    trust = False
    while True:  # this computer's register, or the school's server (remembered): the person may switch between them
        if url is None and not args.demo:
            known = server_address.remembered(base)
            url = known.url() if known is not None else None
            trust = known is not None and known.trust
            switch_in: Path | None = base
        else:
            switch_in = None  # the address given on the command line: no other to switch to
        if url is None:
            if args.demo:
                ensure_demo(folder)
            signed = sign_in_or_create(folder, base, choosable=not args.demo and not paths.is_overridden(args.data_dir))
            if signed is None:
                return 0
            if signed == "server":
                continue
            if isinstance(signed, tuple):
                register, actor = signed
                return Signed(register, actor, "open")
            break
        if _names_a_user(url):
            break
        from safeguard_desktop.ui.signin import SignInDialog  # each account its own login

        dialog = SignInDialog(base, server_url=url, switch_in=switch_in, trust=trust)
        code = dialog.exec()
        dialog.deleteLater()  # (a dialog left to the interpreter's exit can crash it: seen on Python 3.12)
        if code == SignInDialog.SWITCHED:
            url = None
            args.database = None
            continue
        if code != SignInDialog.DialogCode.Accepted or dialog.result_ is None:
            return 0
        return Signed(*dialog.result_, "open")
    opened = _open_with_sqlalchemy(args, base)
    if opened is None:
        return 2
    register, action = opened
    return Signed(register, local_lead(), action)


def _names_a_user(url: str) -> bool:
    """True for a URL that carries its own user (the server's administrator, as before): no account sign-in."""
    from sqlalchemy.engine import make_url

    return bool(make_url(url).username)


@dataclass
class Signed:
    """An open register (or a member of staff's desk) and who opened it."""

    register: Register | StaffDesk | TrustDesk
    actor: Actor
    action: str  # "open", or "import" when the person asked to import pupils first


def show_window(app: QApplication, signed: Signed, args: argparse.Namespace) -> int:
    """The window for who signed in, then the event loop; the register is closed when it ends."""
    from safeguard_desktop.services.accounts.staff_room import StaffDesk
    from safeguard_desktop.services.server_trust import TrustDesk
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    if isinstance(signed.register, TrustDesk):  # the trust's safeguarding lead: every school's figures
        from safeguard_desktop.ui.trust_window import TrustWindow

        trust_window = TrustWindow(signed.register)
        trust_window.show()
        trust_window.reload()
        try:
            return int(app.exec())
        finally:
            signed.register.close()
    if isinstance(signed.register, StaffDesk):  # staff hold no key to the register: their own window
        from safeguard_desktop.ui.staff.window import StaffWindow, show_notices

        staff_window = StaffWindow(signed.register)
        staff_window.show()
        pauses.settle()
        show_notices(staff_window)
        return int(app.exec())
    register, actor = signed.register, signed.actor
    context = AppContext(register, actor)
    window = MainWindow(context)
    pauses.settle()  # before the register's rows are read: the collector no longer walks the start-up's objects
    if actor.may(Operation.VIEW_REGISTER):
        window.register_screen.load_now()
    elif window.incidents_screen is not None:
        window.tabs.setCurrentWidget(window.incidents_screen)
    window.show()
    from safeguard_desktop.services import accounts
    from safeguard_desktop.ui.admin.accounts_dialog import require_two_step
    from safeguard_desktop.ui.kit.ops import run_read
    from safeguard_desktop.ui.staff.publishing import publish_to_staff

    def two_step(needed: bool) -> None:
        if needed:  # a lead where the school requires two steps, without them yet: now, before working
            require_two_step(window, context)

    run_read(context, window, accounts.two_step_needed, on_done=two_step)

    if register.copy_made_at is None:  # (a read-only copy publishes nothing)
        publish_to_staff(window, context, quiet=True)  # staff see today's briefings
        from safeguard_desktop.ui.trust_window import publish_to_trust

        publish_to_trust(window, context)  # a trust's school: its counts, for the trust's lead
        from safeguard_desktop.services import server

        if server.on_server(register) and actor.safeguarding_key is not None:  # a lead's copy, kept fresh
            from safeguard_desktop.ui.offline_copy import CopyRefresher

            # (a server register's folder is this computer's folder of that server, where the copy is kept)
            window.copy_refresher = CopyRefresher(window, context, register.folder)  # type: ignore[attr-defined]
    if register.copy_made_at is not None:  # the server out of reach: its register as it was, to read only
        made = f"{register.copy_made_at:%d/%m/%Y at %H:%M}"
        window.setWindowTitle(f"{window.windowTitle()} — READ-ONLY COPY of {made}")
        from PySide6.QtWidgets import QLabel

        mark = QLabel(f"Read-only copy of {made}: the server cannot be reached")
        mark.setStyleSheet("color: #a4161a; font-weight: 600;")
        mark.setAccessibleName("Read-only copy")
        window.statusBar().addPermanentWidget(mark)
        steps.current().tell(window, "Safeguard Desktop", f"The register's server cannot be reached, so this is your "
                             f"copy of its register as it was on {made}, to read only: nothing can be changed in it, "
                             "and what others did since is not in it. Sign in to the server again once it is back.",
                             warning=True)  # fmt: skip
    if register.moved_notice is not None:  # every role: what is changed here would not reach the school's server
        steps.current().tell(window, "Safeguard Desktop", register.moved_notice, warning=True)
    if register.notices and actor.may(Operation.VIEW_AUDIT):
        steps.current().tell(window, "Safeguard Desktop", "\n\n".join(register.notices), warning=True)
    wants_import = register.keys is not None and register.is_empty() and actor.may(Operation.IMPORT_PUPILS)
    if signed.action == "import" or (wants_import and not args.demo and ask_about_empty_register(offer_demo=False)
                                     == "import"):  # fmt: skip
        window.on_import_action()
    code = app.exec()
    context.close()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
