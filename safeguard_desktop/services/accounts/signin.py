"""Opening a protected register: first run (create it with its DSL), sign in, recovery.

Every path ends with an open Register and the Actor who is working, so the GUI and the CLI share it.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from safeguard_desktop import faultpoints, paths
from safeguard_desktop.folder_access import FolderNotProtected, protect_folder
from safeguard_desktop.security import keyring, record_seen, throttle
from safeguard_desktop.services import accounts, server_move, settings
from safeguard_desktop.services.accounts import staff_reports, staff_room
from safeguard_desktop.services.accounts.staff_room import StaffDesk
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.errors import ServiceError, ValidationError
from safeguard_desktop.services.transaction import read_session, write_session


def create_register(
    data_dir: str | Path | None,
    school: str,
    username: str,
    display_name: str,
    password: str,
    *,
    shared_folder: bool = False,
) -> tuple[Register, Actor, str]:
    """A new encrypted register with its first DSL. Returns (register, actor, recovery key to show once).

    The folder is first closed to other accounts on the computer (to this computer's users when
    ``shared_folder``): a folder whose permissions cannot be set is refused before any key is written.
    """
    folder = paths.data_dir(data_dir)
    if not school.strip():
        raise ValidationError("Give the school's name; it heads every letter.", field="school")
    try:
        protect_folder(folder, shared=shared_folder)
    except FolderNotProtected as exc:
        raise ValidationError(f"{exc} Choose another folder for the register.", field="folder") from exc
    keys, recovery = accounts.protect_new_register(folder, username, display_name, password)
    accounts.reserve_failed_log(folder)
    try:
        register = open_register(folder, keys=keys, new=True)
        with write_session(register.engine) as session:
            actor = accounts.add_first_dsl(session, keys, username, display_name, password)
            details = settings.get_school(session)
            settings.update_school(
                session, actor, settings.SchoolDetails(school.strip(), details.address, details.headteacher,
                                                       display_name.strip(), details.self_consent_age, None),
            )  # fmt: skip
    except Exception:
        # Nothing half-made is left behind: no key file without its register, no register without its DSL.
        for name in (keyring.SLOTS_FILE, "register.db", "register.db-wal", "register.db-shm", accounts.FAILED_LOG):
            (folder / name).unlink(missing_ok=True)
        raise
    vouch_rows_if_owed(register, actor)
    return register, actor, recovery


def _not_too_fast(folder: Path, name: str) -> None:
    """Refuse before trying the password while ``name`` must wait; the refused attempt is recorded too."""
    try:
        throttle.check(folder, name)
    except throttle.TooManyAttempts:
        accounts.record_failed_sign_in(folder, name, counts=False)
        raise


def _check_trail(register: Register, actor: Actor) -> None:
    """At every sign-in, a quick look at the audit trail; anything wrong is recorded in it and shown to leads."""
    from safeguard_desktop.services.records import audit, trail_check

    with read_session(register.engine) as session:
        problem = trail_check.quick(session, register.folder, register.keys)
        if problem is None:
            trail_check.remember_in_profile(session, register.folder, register.keys)
    if problem is None:
        return
    try:
        with write_session(register.engine) as session:
            audit.record(session, actor, "found the audit trail changed at sign-in", "audit", "", problem)
    except (DBAPIError, ServiceError):  # a chain damaged past appending to: the notice still goes to the leads
        pass
    register.notices.append(
        f"The audit trail was changed outside the app: {problem}. Check it (Settings > Audit trail > Check, or "
        "'safeguard audit verify') and restore the newest backup if entries are missing."
    )


def _replace_owed_keys(register: Register, actor: Actor) -> Actor:
    """A key replacement an account change left owed (someone had the register open, or a kill): a lead's sign-in
    does it; what it did, or why it could not, is shown to the lead."""
    from safeguard_desktop.services.accounts import rotation

    if actor.safeguarding_key is not None and keyring.recovery_stale(register.folder):
        register.notices.append("The recovery key no longer opens the register (its keys were replaced): make a new "
                                "one in Settings > Accounts > New recovery key, and lock it away.")  # fmt: skip
    if actor.safeguarding_key is not None and register.keys is not None:
        with suppress(OSError, ServiceError):  # a register from before: staff's copies of the register key go
            rotation.owe_staff_keys(register.folder, register.keys)
    if actor.safeguarding_key is None or rotation.owed(register.folder) is None:
        return actor
    try:
        done = rotation.replace_keys(register, actor)
    except (ServiceError, OSError) as exc:  # never a reason to refuse the sign-in itself: said, and tried again
        register.notices.append(f"The keys of changed accounts are still to be replaced: {exc}")
        return actor
    if done is None:
        return actor
    register.notices.append(done.summary())
    return done.actor


def _staff_desk(folder: Path, keys: keyring.Unlocked, password: str) -> tuple[StaffDesk, Actor]:
    """A staff account's sign-in: its slot opened (the password is its own), the leads' signed record says it is
    an active staff account; it holds no key to the register, so nothing of the register is opened."""
    record = keys.record
    signed = record.accounts.get(keys.username) if record is not None else None
    if record is None or signed is None or not signed.active or signed.role != Role.STAFF.value:
        accounts.record_failed_sign_in(folder, keys.username)
        raise accounts.SignInFailed("That name, password or code does not sign in here. Check them and try again.")
    throttle.succeeded(folder, keys.username)
    roles = {n: a.role for n, a in record.accounts.items() if a.active}
    with suppress(OSError, ServiceError):
        keyring.settle_own_pending(folder, keys)
        if keyring.bootstrap_authority(folder, keys, password, roles):
            keys = keyring.unlock(folder, keys.username, password)
    desk = staff_room.StaffDesk(folder, keys)
    moved = server_move.moved_notice(folder)
    if moved is not None:  # the school works on its server now: reports filed here would not reach the leads there
        desk.notices.append(moved)
    with suppress(OSError, ServiceError):
        if staff_reports.resend_missing(folder, keys):
            desk.notices.append("Reports you sent had vanished from the staff room (someone removed the files): they "
                                "were sent again from your own copies.")  # fmt: skip
    return desk, desk.actor()


def _marks_required_from_now(register: Register) -> None:
    """On a register from before entries were marked, a lead's sign-in signs into the record of accounts the first
    marked entry: from there on an unmarked entry (written with a key to the file alone) is caught."""
    from sqlalchemy import func, select

    from safeguard_desktop.store.models import AuditEntry

    keys = register.keys
    if keys is None or keys.authority_private is None:
        return
    record = keyring.current_record(register.folder, keys)
    if record is None or record.audit_marked_from:
        return
    with suppress(OSError, ServiceError, DBAPIError), read_session(register.engine) as session:
        first = session.scalar(select(func.min(AuditEntry.sequence)).where(AuditEntry.signature.is_not(None)))
        if first:
            keyring.mark_audit_from(register.folder, keys, int(first))


def vouch_rows_if_owed(register: Register, actor: Actor) -> None:
    """At a lead's sign-in (or the register's creation): one entry vouches for every row as it stands, and the lead
    signs it into the record of accounts; from there on a row changed with a key to the file alone, outside the app,
    is caught by the check of the trail (services/records/row_vouch.py). Written once per register — and again when
    the entry the record names is not that entry in this database (a backup restored over it) while the trail
    checks out: restoring is a lead's act, and a trail changed outside the app is never vouched for afresh. A
    database server's own roles keep the office from its rows instead. At a trust's size it reads half a million
    rows (7 s measured): the app runs it off the GUI thread once the window is open (``sign_in(rows_later=True)``)."""
    from sqlalchemy import func, select

    from safeguard_desktop.services.records import row_vouch, trail_check
    from safeguard_desktop.store.models import AuditEntry

    keys = register.keys
    if keys is None or keys.authority_private is None or register.engine.dialect.name != "sqlite":
        return
    record = keyring.current_record(register.folder, keys)
    if record is None:
        return
    with suppress(OSError, ServiceError, DBAPIError):
        if record.rows_vouched_from:
            with read_session(register.engine) as session:
                named = session.scalar(select(AuditEntry.action).where(AuditEntry.sequence == record.rows_vouched_from))
                if named == row_vouch.BASELINE_ACTION or trail_check.quick(session, register.folder, keys) is not None:
                    return
        else:  # a record naming no baseline over a trail that has one: an earlier key file put back
            with read_session(register.engine) as session:
                newest = session.scalar(select(func.max(AuditEntry.sequence))
                                        .where(AuditEntry.action == row_vouch.BASELINE_ACTION))  # fmt: skip
            if newest is not None:  # never a fresh baseline, which would take in rows changed outside the app
                keyring.vouch_rows_from(register.folder, keys, int(newest))
                return
        with write_session(register.engine) as session:
            sequence = row_vouch.vouch_for_everything(session, actor)
        keyring.vouch_rows_from(register.folder, keys, sequence)


def _take_in_reports(register: Register, actor: Actor) -> None:
    """A lead's sign-in takes in the concerns staff sent through the staff room; what it found is said."""
    from safeguard_desktop.services.actors import Operation

    if not actor.may(Operation.READ_INCIDENTS) or register.keys is None:
        return
    try:
        with write_session(register.engine) as session:
            from safeguard_desktop.services import incidents

            incidents.seal_facts_written_before(session, actor)  # a register from before: sealed with this key
            from safeguard_desktop.services.incidents import restricted

            restricted.load_case_keys(session, actor)  # the restricted cases this lead is a named reader of
            done = staff_reports.take_in(session, actor, register.keys, register.folder)
    except (OSError, ServiceError) as exc:
        register.notices.append(f"Reports from staff could not be taken in: {exc}")
        return
    if done.summary():
        register.notices.append(done.summary())


def sign_in(
    data_dir: str | Path | None, username: str, password: str, code: str = "", *, rows_later: bool = False
) -> tuple[Register | StaffDesk, Actor]:
    """Open the register as ``username`` — or, for staff, who hold no key to it, their desk in the staff room.
    SignInFailed (one message for every cause) when it does not open. ``rows_later``: the caller runs
    :func:`vouch_rows_if_owed` itself, off its GUI thread."""
    folder = paths.data_dir(data_dir)
    name = username.strip().lower()
    _not_too_fast(folder, name)
    try:
        keys = keyring.unlock(folder, name, password)
    except (keyring.WrongPassword, keyring.NotOnThisComputer) as exc:
        accounts.record_failed_sign_in(folder, name)
        raise accounts.SignInFailed(str(exc)) from exc
    faultpoints.reach("signin:after-unlock")
    older = _older_record(folder, keys)
    if keys.database_key is None:
        desk, actor = _staff_desk(folder, keys, password)
        _remember_record(desk.folder, desk.keys)
        return desk, actor
    register = open_register(folder, keys=keys)
    try:
        with write_session(register.engine) as session:
            actor = accounts.sign_in_account(session, folder, keys, code)
            roles = accounts.active_roles(session)
    except accounts.SignInFailed:
        register.close()
        accounts.record_failed_sign_in(folder, name)
        raise
    throttle.succeeded(folder, name)
    with suppress(OSError, ServiceError):  # the password is confirmed: settle what a crash left in the key slots
        keyring.settle_after_sign_in(folder, keys, roles)
        if keyring.bootstrap_authority(folder, keys, password, roles):
            register.keys = keyring.unlock(folder, name, password)  # now with the pin (and a lead's signing key)
    _check_trail(register, actor)
    actor = _replace_owed_keys(register, actor)
    _take_in_reports(register, actor)
    _marks_required_from_now(register)
    if not rows_later:
        vouch_rows_if_owed(register, actor)
    if register.presence is not None:
        register.presence.set_user(actor.username)
    with suppress(OSError):  # room for failed sign-ins, for the day the disk is full
        accounts.reserve_failed_log(folder)
    if older is not None:
        _say_older_record(register, actor, older)
    _remember_record(register.folder, register.keys)
    return register, actor


def _older_record(folder: Path, keys: keyring.Unlocked) -> record_seen.OlderRecord | None:
    """An earlier copy of the key file put back (see security/record_seen): a non-lead is refused before anything
    is opened; for a lead, who holds every key and mends it, what was found (said once signed in)."""
    try:
        record_seen.check(folder, keys.username, keys.personal_private,
                          keys.record.version if keys.record is not None else None)  # fmt: skip
    except record_seen.OlderRecord as exc:
        if keys.safeguarding_private is None:
            raise accounts.SignInFailed(str(exc)) from exc
        return exc
    return None


def _say_older_record(register: Register, actor: Actor, older: record_seen.OlderRecord) -> None:
    from safeguard_desktop.services.records import audit

    version = None
    with suppress(OSError, ServiceError):
        if register.keys is not None:
            version = keyring.sign_again_as_newest(register.folder, register.keys)
    then = (f"You signed it again as the newest (version {version}), so the accounts in it can sign in again; any "
            "account added or changed since is as it was in that copy." if version is not None else
            "Accounts that signed in with the newer record are refused until the record is as new again.")  # fmt: skip
    register.notices.append(
        f"The key file (keyslots.json) is an earlier copy: its record of accounts is version {older.found}, and you "
        f"signed in with version {older.seen} before. An older copy was put back in the data folder. {then} Check "
        "the accounts (Settings > Accounts: who is active, each role) and the audit trail; where the newest backup's "
        ".keys.json (in the backups folder) is newer, put it back as keyslots.json and sign in again."
    )
    with suppress(OSError, ServiceError, DBAPIError), write_session(register.engine) as session:
        audit.record(session, actor, "found an earlier key file put back", "account", actor.username,
                     f"record version {older.found}, {older.seen} seen before"
                     + (f"; signed again as version {version}" if version is not None else ""))  # fmt: skip


def _remember_record(folder: Path, keys: keyring.Unlocked | None) -> None:
    if keys is None:
        return
    record = keyring.current_record(folder, keys)
    with suppress(OSError):
        record_seen.remember(folder, keys.username, keys.personal_private,
                             record.version if record is not None else None)  # fmt: skip


def bind_keys(opened: Register | StaffDesk, password: str) -> str:
    """After an interactive sign-in (the app's, off the GUI thread: loading the credential store takes ~0.2 s):
    bind the account's slot to this computer's credential store, and carry on with the keys of the bound slot.
    "bound", "already" or "no store". The command line never binds: a task it runs (a nightly backup) may have no
    access to the store of the session that made the binding."""
    keys = opened.keys
    if keys is None:
        return "already"
    done = keyring.bind_to_this_computer(opened.folder, keys, password)
    if done == "bound":
        opened.keys = keyring.unlock(opened.folder, keys.username, password)
    return done


def sign_in_register(
    data_dir: str | Path | None, username: str, password: str, code: str = ""
) -> tuple[Register, Actor]:
    """:func:`sign_in` where only the register will do (the command line): staff are told they hold no key to it."""
    opened, actor = sign_in(data_dir, username, password, code)
    if isinstance(opened, StaffDesk):
        raise keyring.NoRegisterKey()
    return opened, actor


def confirm_again(register: Register | StaffDesk, actor: Actor, password: str, code: str = "") -> None:
    """The lock screen's check, the same as a sign-in's: the wait after failures, the key slot, the account's
    password and two-step code (a code used before is refused), every failure recorded; audited when it opens
    (a staff desk has no trail to write to: its slot and the signed record are the check)."""
    from safeguard_desktop.services.records import audit

    folder, name = register.folder, actor.username
    _not_too_fast(folder, name)
    try:
        keys = keyring.unlock(folder, name, password)
        if isinstance(register, StaffDesk):
            signed = keys.record.accounts.get(name) if keys.record is not None else None
            if keys.personal_private != register.keys.personal_private or signed is None or not signed.active:
                raise keyring.WrongPassword()
        else:
            if keys.database_key != (register.keys.database_key if register.keys else None):
                raise keyring.WrongPassword()
            with write_session(register.engine) as session:
                accounts.check_account(session, name, code, keys.personal_private)
                audit.record(session, actor, "unlocked the window", "account", name)
    except (keyring.WrongPassword, keyring.NotOnThisComputer, accounts.SignInFailed) as exc:
        accounts.record_failed_sign_in(folder, name)
        raise accounts.SignInFailed(
            "That password or code does not unlock the window. Check them and try again."
        ) from exc
    throttle.succeeded(folder, name)


def recover(data_dir: str | Path | None, recovery_key: str) -> tuple[Register, Actor]:
    """Open with the recovery key, as the DSL acting through it (to reset a forgotten password). Audited."""
    from safeguard_desktop.services.records import audit

    folder = paths.data_dir(data_dir)
    _not_too_fast(folder, "(recovery key)")
    try:
        keys = keyring.unlock_with_recovery(folder, recovery_key)
    except keyring.KeysReplaced as exc:
        raise accounts.SignInFailed(str(exc)) from exc
    except keyring.WrongPassword as exc:
        accounts.record_failed_sign_in(folder, "(recovery key)")
        raise accounts.SignInFailed("That recovery key does not open this register.") from exc
    register = open_register(folder, keys=keys)
    actor = Actor("Recovery key", Role.DSL, "recovery", keys.safeguarding_private, keys.personal_private)
    with write_session(register.engine) as session:
        audit.record(session, actor, "opened the register with the recovery key", "account", "recovery")
        from safeguard_desktop.services.incidents import restricted

        restricted.load_case_keys(session, actor)  # the recovery key reads every restricted case: nothing is lost
    return register, actor


def reset_with_recovery_key(data_dir: str | Path | None, recovery_key: str, user: str, new_password: str) -> None:
    """A forgotten password: open with the recovery key and give ``user`` a new password (both audited)."""
    register, actor = recover(data_dir, recovery_key)
    try:
        assert register.keys is not None
        with write_session(register.engine) as session:
            accounts.reset_password(session, actor, paths.data_dir(data_dir), register.keys, user, new_password)
        from safeguard_desktop.services.incidents import restricted

        with write_session(register.engine) as session:  # the new key is the account's once the reset is committed
            restricted.give_again_with_recovery(session, actor, user.strip().lower())
    finally:
        register.close()


DEMO_ACCOUNTS = (
    ("dsl", "oakfield demo lead", Role.DSL, "Helen Carter (DSL)"),
    ("deputy", "oakfield demo deputy", Role.DEPUTY_DSL, "Sam Patel (deputy DSL)"),
    ("office", "oakfield demo office", Role.OFFICE, "Jo Evans (office)"),
    ("staff", "oakfield demo staff", Role.STAFF, "Chris Moore (teacher)"),
)


def create_demo_register(data_dir: str | Path | None, *, pupils: int = 420) -> tuple[Register, Actor]:
    """A protected register holding the fictional demo school, with one account per role (shown at sign-in)."""
    from safeguard_desktop.services import demo

    dsl_name, dsl_password, _, dsl_display = DEMO_ACCOUNTS[0]
    register, actor, _recovery = create_register(data_dir, "Oakfield Primary School", dsl_name, dsl_display,
                                                 dsl_password)  # fmt: skip
    assert register.keys is not None
    with write_session(register.engine) as session:
        for username, password, role, display in DEMO_ACCOUNTS[1:]:
            accounts.add_account(
                session, actor, register.folder, register.keys, accounts.NewAccount(username, display, role, password)
            )
        demo.create_demo_school(session, actor, pupils=pupils)
    keyring.mark_demo(register.folder, [(u, p, r.value) for u, p, r, _ in DEMO_ACCOUNTS])
    register.keys = keyring.unlock(register.folder, dsl_name, dsl_password)  # the record now signs every account
    with write_session(register.engine) as session:
        staff_room.publish(session, actor, register.keys, register.folder)
    return register, actor
