"""Accounts: create the register with its first safeguarding lead, sign in, and manage who may sign in.

Passwords are kept only as argon2id hashes (and, separately, as the key that unwraps the account's key slot).
The policy follows Cyber Essentials and the NCSC: at least 12 characters, not a common or guessable
password; no forced expiry, no composition rules. Nobody can disable or demote the last active DSL.
Failed sign-ins are written to a small log beside the register (the database cannot be opened without a
correct password) and moved into the audit trail at the next successful sign-in.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from safeguard_desktop import faultpoints
from safeguard_desktop.folder_access import make_private
from safeguard_desktop.resources import MissingResource, resource_path
from safeguard_desktop.security import keyring, sealing, throttle
from safeguard_desktop.services import presence
from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import ConflictError, NotFound, ServiceError, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.settings import get_school, read_setting, write_setting
from safeguard_desktop.store.engine import state_of
from safeguard_desktop.store.models import SecondFactor, UserAccount

#: What the accounts table keeps of a password: nothing. The account's key slot, opened with the password by argon2id,
#: is its one check (a hash beside it was a second argon2 run per sign-in, and a copy anyone with a key to the file
#: could guess against offline). Hashes written before were blanked by migration 0021.
NO_HASH = ""
MIN_PASSWORD = 12
FAILED_LOG = "failed-signins.jsonl"
FAILED_LOG_BUDGET = 1_000_000  # bytes read into the audit trail at a sign-in
FAILED_LOG_RESERVE = 16_384  # bytes set aside for about 200 failed attempts on a full disk
log = logging.getLogger(__name__)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
LEADS = (Role.DSL, Role.DEPUTY_DSL)


class SignInFailed(ServiceError):
    """Name, password or code wrong, or the account disabled; the message never says which."""


@dataclass(frozen=True)
class AccountView:
    """An account as the DSL's account screen lists it."""

    username: str
    display_name: str
    role: Role
    active: bool
    second_factor: bool


@cache
def _deny_list() -> frozenset[str]:
    """The common passwords refused; a copy without its list refuses to choose passwords rather than accept any."""
    path = resource_path("passwords", "common.txt")
    try:
        words = frozenset(line.strip().casefold() for line in path.read_text(encoding="utf-8").splitlines())
    except OSError as exc:
        raise MissingResource(
            f"The list of common passwords is missing ({path}); reinstall Safeguard Desktop."
        ) from exc
    if not words:
        raise MissingResource(f"The list of common passwords is empty ({path}); reinstall the app.")
    return words


def check_password(password: str, *, username: str = "", school: str = "") -> None:
    """Raise ValidationError with what to do when the password is too short or too easy to guess."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            f"Use at least {MIN_PASSWORD} characters; three random words make a strong, memorable password.",
            field="password",
        )
    folded = password.casefold()
    if len(set(folded)) < 5:
        raise ValidationError("That password repeats too few characters to be safe. Choose another.", field="password")
    guessable = {w.casefold() for w in (username, school, "safeguard", "safeguarding", "password") if w}
    rest = folded
    for word in sorted(guessable, key=len, reverse=True):
        if len(word) >= 4:
            rest = rest.replace(word, "")
    if folded in _deny_list() or len(rest) < 6:
        raise ValidationError(
            "That password is too easy to guess (a common password, or built on a name). Choose another.",
            field="password",
        )


def check_username(username: str) -> str:
    """Lower-case letters, digits, dots, dashes; 2–40 characters."""
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise ValidationError(
            "A user name is 2 to 40 lower-case letters or digits (dots, dashes and underscores allowed), "
            "e.g. 'j.smith'.",
            field="username",
        )
    return name


def _add_account(session: Session, username: str, display_name: str, role: Role, password: str) -> UserAccount:
    if not display_name.strip():
        raise ValidationError("Give the person's name as it should appear in records.", field="display_name")
    account = UserAccount(
        username=username,
        display_name=display_name.strip()[:100],
        role=role.value,
        password_hash=NO_HASH,
        active=True,
        created_at=datetime.now(),
    )
    session.add(account)
    session.flush()
    return account


def protect_new_register(folder: Path, username: str, display_name: str, password: str) -> tuple[keyring.Unlocked, str]:
    """Create the key slots for a new encrypted register with its first DSL. Returns (keys, recovery key).

    The caller then opens the register with the keys and calls :func:`add_first_dsl`.
    """
    name = check_username(username)
    check_password(password, username=name)
    if not display_name.strip():
        raise ValidationError("Give your name as it should appear in records.", field="display_name")
    if (folder / "register.db").exists():
        raise ConflictError(
            f"{folder} already holds a register. Sign in to it, or choose an empty folder for a new one."
        )
    return keyring.create(folder, name, password)


def _signed_in(account: UserAccount, keys: keyring.Unlocked) -> Actor:
    """The actor for an account opened with its keys: the role the leads signed (the accounts table is only a copy
    of it), the safeguarding key only for leads."""
    signed = keys.record.accounts.get(account.username) if keys.record is not None else None
    role = Role(signed.role) if signed is not None else Role(account.role)
    lead_key = keys.safeguarding_private if role in LEADS else None
    return Actor(account.display_name, role, account.username, lead_key, keys.personal_private)


def add_first_dsl(session: Session, keys: keyring.Unlocked, username: str, display_name: str, password: str) -> Actor:
    """The first account of a new register: its DSL, signed in with ``keys``. Refused once any account exists."""
    if session.scalar(select(func.count()).select_from(UserAccount)):
        raise ConflictError("This register already has accounts; the DSL adds new ones.")
    account = _add_account(session, check_username(username), display_name, Role.DSL, password)
    actor = _signed_in(account, keys)
    audit.record(session, actor, "created the register and the first DSL account", "account", account.username)
    return actor


def reserve_failed_log(folder: Path) -> None:
    """Make the failed sign-in log with room set aside, so a failure is still recorded on a full disk (writing
    inside a file's own bytes needs no new space; measured before: at 0 KB free a wrong password went unrecorded)."""
    path = folder / FAILED_LOG
    if not path.exists():
        with path.open("wb") as handle:
            handle.write(b"\0" * FAILED_LOG_RESERVE)
            handle.flush()
            os.fsync(handle.fileno())
        make_private(path)


def record_failed_sign_in(folder: Path, username: str, *, counts: bool = True) -> None:
    """Note a failed attempt in the log beside the register (moved into the audit trail at the next sign-in), and
    (``counts``) towards the growing wait before that name may try again.

    Entries are written over the room set aside (NUL bytes), growing the file only when that is used up; a disk
    too full even for that is logged, and the person still gets the ordinary sign-in message.
    """
    line = (json.dumps({"at": datetime.now().isoformat(timespec="seconds"), "username": username[:60]}) + "\n").encode()
    try:
        with presence.folder_lock(folder, "failed-signins"):
            reserve_failed_log(folder)
            with (folder / FAILED_LOG).open("r+b") as handle:
                data = handle.read(FAILED_LOG_BUDGET)
                end = data.find(b"\0")
                if end == -1 or len(data) - end < len(line):
                    handle.seek(0, os.SEEK_END)
                    handle.write(line + b"\0" * FAILED_LOG_RESERVE)
                else:
                    handle.seek(end)
                    handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
    except OSError as exc:
        log.warning("a failed sign-in could not be noted: %s", exc.strerror or exc.__class__.__name__)
    if counts:
        throttle.failed(folder, username)


def _import_failed_sign_ins(session: Session, folder: Path, actor: Actor) -> int:
    path = folder / FAILED_LOG
    if not path.exists():
        return 0
    # Written outside the database by anyone at the sign-in screen: bounded, and a bad byte or line is recorded
    # as unreadable instead of stopping every sign-in. The entries end at the first NUL (the room set aside).
    with path.open("rb") as handle:
        data = handle.read(FAILED_LOG_BUDGET + 1)
    entries = data[:FAILED_LOG_BUDGET].split(b"\0", 1)[0]
    lines = [line for line in entries.decode("utf-8", "replace").splitlines() if line.strip()]
    if len(data) > FAILED_LOG_BUDGET and b"\0" not in data:
        audit.record(session, actor, "failed sign-in", "account", "", "the failed sign-in log was cut at 1 MB")
    for line in lines:
        try:
            item = json.loads(line)
            detail = f"as {str(item.get('username', '?'))[:60]!r} at {str(item.get('at', '?'))[:30]}"
        except (ValueError, AttributeError):
            detail = "unreadable entry in the failed sign-in log"
        audit.record(session, actor, "failed sign-in", "account", "", detail)
    if lines:
        _clear_failed_log(path, len(entries))
    return len(lines)


def _clear_failed_log(path: Path, used: int) -> None:
    """Blank the entries moved into the audit trail, in place: the room stays set aside."""
    try:
        with path.open("r+b") as handle:
            handle.write(b"\0" * used)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        path.unlink(missing_ok=True)


def totp_step(secret: str, code: str, *, at: datetime | None = None) -> int | None:
    """The 30-second step the 6-digit code belongs to (now, or one either side for a slow clock), or None."""
    import pyotp

    digits = re.sub(r"\s", "", code or "")
    if not digits:
        return None
    totp = pyotp.TOTP(secret)
    now = (at or datetime.now()).timestamp()
    current = totp.timecode(datetime.fromtimestamp(now))
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def verify_totp(secret: str, code: str, *, at: datetime | None = None) -> bool:
    """True for the current 6-digit code (or the one either side, for a slow clock)."""
    return totp_step(secret, code, at=at) is not None


def sign_in_account(session: Session, folder: Path, keys: keyring.Unlocked, code: str = "") -> Actor:
    """After the key slot opened: check the account itself (active, second factor) and audit the sign-in."""
    account = check_account(session, keys.username, code, keys.personal_private)
    stored, last_step = factor_of(session, account)
    if stored and not stored.startswith("sealed:"):  # from before: sealed now
        _set_factor(session, account, sealing.seal_for_author(session, account.username, stored) or stored, last_step)
    _match_signed_record(session, keys)
    actor = _signed_in(account, keys)
    _import_failed_sign_ins(session, folder, actor)
    audit.record(session, actor, "signed in", "account", account.username)
    return actor


def _match_signed_record(session: Session, keys: keyring.Unlocked) -> None:
    """The accounts table follows the signed record: an account it does not sign (or signs as disabled) does not
    sign in, and a role or state edited into the table outside the app is put back, and the correction audited."""
    record = keys.record
    if record is None:
        return
    signed = record.accounts.get(keys.username)
    if signed is None or not signed.active:
        raise SignInFailed("That name, password or code does not sign in here. Check them and try again.")
    fixed = []
    for account in session.scalars(select(UserAccount)):
        entry = record.accounts.get(account.username)
        role, active = (entry.role, entry.active) if entry is not None else (account.role, False)
        if (account.role, account.active) != (role, active):
            fixed.append(f"{account.username}: {account.role}/{'active' if account.active else 'disabled'}")
            account.role, account.active = role, active
    if fixed:
        system = Actor("Safeguard Desktop", Role.DSL, "")
        audit.record(session, system, "accounts put back to their signed record", "account", "",
                     "changed outside the app: " + "; ".join(fixed))  # fmt: skip


def factor_of(session: Session, account: UserAccount) -> tuple[str | None, int | None]:
    """An account's two-step secret as kept (sealed; None when off) and the step of its last code accepted: its row
    of ``second_factor``, or for a register from before, its columns of the accounts table."""
    row = session.get(SecondFactor, account.username)
    if row is not None:
        return row.secret, row.last_step
    return account.totp_secret, account.totp_last_step


def _set_factor(session: Session, account: UserAccount, secret: str | None, last_step: int | None) -> None:
    """Keep an account's two-step secret and last step in its own row of ``second_factor`` (the one row of the
    accounts an office account writes for itself). Where the accounts table still holds them from before and a lead
    is the writer, they are cleared there (the office may not change that table: for it they stay, unread)."""
    row = session.get(SecondFactor, account.username)
    if row is None:
        row = SecondFactor(username=account.username)
        session.add(row)
    row.secret, row.last_step = secret, last_step
    if account.totp_secret is None and account.totp_last_step is None:
        return
    signer = state_of(session.get_bind()).signer
    writer = session.scalar(select(UserAccount.role).where(UserAccount.username == signer[0])) if signer else "dsl"
    if writer in {role.value for role in LEADS}:
        account.totp_secret, account.totp_last_step = None, None


def _totp_secret(stored: str, personal_key: bytes | None) -> str | None:
    """The two-step secret as kept: sealed to the account's own key (opened with it), or plain (from before)."""
    from safeguard_desktop.security import sealed_box

    if not sealed_box.is_sealed(stored):
        return stored
    if personal_key is None:
        return None
    try:
        return sealed_box.open_sealed(personal_key, stored)
    except keyring.KeyError_:
        return None


def check_account(session: Session, username: str, code: str = "", personal_key: bytes | None = None) -> UserAccount:
    """After the account's key slot opened with its password (that is the password's check: see NO_HASH): the
    account, when it is active and ``code`` is its current two-step code; SignInFailed otherwise (one message for
    every cause). Used by the sign-in and by the lock screen alike. ``personal_key`` (from the account's slot)
    opens its two-step secret, which is sealed to it."""
    account = session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
    ok = account is not None and account.active
    stored, last_step = factor_of(session, account) if account is not None else (None, None)
    if ok and account is not None and stored:
        secret = _totp_secret(stored, personal_key)
        step = totp_step(secret, code) if secret is not None else None
        # A code is good once: one seen over a shoulder or replayed within its 90 seconds opens nothing.
        ok = step is not None and (last_step is None or step > last_step)
        if ok:
            _set_factor(session, account, stored, step)
    if not ok or account is None:
        raise SignInFailed("That name, password or code does not sign in here. Check them and try again.")
    return account


def list_accounts(session: Session, actor: Actor) -> list[AccountView]:
    """Every account (the DSL's screen). A staff account never shows two-step sign-in as on: staff open no register,
    where its secret is kept, so a code turned on before they lost the register's key is not asked for (their slot's
    binding to the computer is their second factor)."""
    actor.require(Operation.MANAGE_ACCOUNTS)
    shown = []
    for a in session.scalars(select(UserAccount).order_by(UserAccount.username)):
        two_step = a.role != Role.STAFF.value and bool(factor_of(session, a)[0])
        shown.append(AccountView(a.username, a.display_name, Role(a.role), a.active, two_step))
    return shown


def _get(session: Session, username: str) -> UserAccount:
    account = session.scalars(select(UserAccount).where(UserAccount.username == username.strip().lower())).first()
    if account is None:
        raise NotFound(f"There is no account called {username!r}.")
    return account


def _active_dsls(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(UserAccount).where(UserAccount.role == Role.DSL.value, UserAccount.active)
        )
        or 0
    )


def _slot_changed(session: Session, folder: Path, username: str, change: Callable[[], None]) -> None:
    """Write a slot change as pending, to be settled by this transaction's commit or rollback."""
    change()
    faultpoints.reach("slots:after-pending")
    session.info.setdefault("slot_changes", []).append((folder, username))


def _staff_change(session: Session, folder: Path, keys: keyring.Unlocked, account: UserAccount, *,
                  password: str | None) -> None:  # fmt: skip
    """A change to a staff account's slot and signed entry: made after the commit, in one write (see
    keyring.apply_staff_change)."""
    username, role, active = account.username, account.role, account.active
    session.info.setdefault("staff_changes", []).append(
        lambda: keyring.apply_staff_change(folder, keys, username, role=role, active=active, password=password)
    )


def _is_staff_target(actor: Actor, account: UserAccount, role: str | None = None) -> bool:
    return (role or account.role) == Role.STAFF.value and account.username != actor.username


@event.listens_for(Session, "after_commit")
def _settle_committed(session: Session) -> None:
    for apply in session.info.pop("staff_changes", []):
        faultpoints.reach("slots:after-commit")
        try:
            apply()
        except (OSError, ServiceError) as exc:  # the accounts table is put back to the signed record at sign-in
            log.warning("a staff account's change was not written after its commit: %s", exc.__class__.__name__)
    for folder, username in session.info.pop("slot_changes", []):
        faultpoints.reach("slots:after-commit")
        try:
            keyring.settle(folder, username, committed=True)
        except (OSError, ServiceError) as exc:  # the next sign-in settles it (keyring.settle_after_sign_in)
            log.warning("a key slot change was not settled after its commit: %s", exc.__class__.__name__)


@event.listens_for(Session, "after_rollback")
def _settle_rolled_back(session: Session) -> None:
    session.info.pop("staff_changes", None)
    for folder, username in session.info.pop("slot_changes", []):
        try:
            keyring.settle(folder, username, committed=False)
        except (OSError, ServiceError) as exc:
            log.warning("a key slot change was not undone after a rollback: %s", exc.__class__.__name__)


def _owe_replacement(folder: Path, username: str, *, lead: bool) -> None:
    """The keys the account's old slot holds are to be replaced (services/rotation.py), after this commits."""
    from safeguard_desktop.services.accounts import rotation

    rotation.owe(folder, username, lead_keys=lead)


def active_roles(session: Session) -> dict[str, str]:
    """The accounts that may sign in, with their roles (their slots are the only ones that should exist)."""
    rows = session.execute(select(UserAccount.username, UserAccount.role).where(UserAccount.active))
    return {username: role for username, role in rows}


@dataclass(frozen=True)
class NewAccount:
    """An account as the person adding it types it."""

    username: str
    display_name: str
    role: Role
    password: str


@changes(Topic.ACCOUNTS)
def add_account(session: Session, actor: Actor, folder: Path, keys: keyring.Unlocked, new: NewAccount) -> None:
    """Add an account with its key slot (leads also get the safeguarding key)."""
    actor.require(Operation.MANAGE_ACCOUNTS)
    display_name, role, password = new.display_name, new.role, new.password
    name = check_username(new.username)
    check_password(password, username=name)
    if session.scalar(select(func.count()).select_from(UserAccount).where(UserAccount.username == name)):
        raise ConflictError(f"There is already an account called {name!r}.")
    _add_account(session, name, display_name, role, password)
    _slot_changed(session, folder, name, lambda: keyring.set_slot(folder, keys, name, password, lead=role in LEADS,
                                                                  staff=role is Role.STAFF))  # fmt: skip
    keyring.propose(folder, keys, name, role=role.value, active=True)
    audit.record(session, actor, "added an account", "account", name, role.value)


@changes(Topic.ACCOUNTS)
def reset_password(
    session: Session, actor: Actor, folder: Path, keys: keyring.Unlocked, username: str, password: str
) -> None:
    """Give an account a new password (the DSL for anyone; anyone for themselves through change_password)."""
    if username.strip().lower() != actor.username:
        actor.require(Operation.MANAGE_ACCOUNTS)
    account = _get(session, username)
    check_password(password, username=account.username)
    account.password_hash = NO_HASH
    lead = Role(account.role) in LEADS
    _owe_replacement(folder, account.username, lead=lead)
    if _is_staff_target(actor, account):
        _staff_change(session, folder, keys, account, password=password)
        _second_factor_follows_new_key(session, actor, account)
        audit.record(session, actor, "reset a password", "account", account.username)
        return
    _slot_changed(session, folder, account.username,
                  lambda: keyring.set_slot(folder, keys, account.username, password, lead=lead,
                                           staff=account.role == Role.STAFF.value))  # fmt: skip
    if account.username != actor.username:  # a new personal key for them: the record signs its public half
        keyring.propose(folder, keys, account.username, role=account.role, active=account.active)
        _second_factor_follows_new_key(session, actor, account)
    audit.record(session, actor, "reset a password", "account", account.username)


def _second_factor_follows_new_key(session: Session, actor: Actor, account: UserAccount) -> None:
    """Another account's new slot has a new personal key, which cannot open its two-step secret (sealed to the old
    one): two-step sign-in is turned off, audited, and set up again by its owner after signing in."""
    if factor_of(session, account)[0]:
        _set_factor(session, account, None, None)
        audit.record(session, actor, "turned off two-step sign-in (new key with the new password)", "account",
                     account.username)  # fmt: skip


@changes(Topic.ACCOUNTS)
def set_active(
    session: Session, actor: Actor, folder: Path, keys: keyring.Unlocked, username: str, active: bool
) -> None:
    """Disable (its slot is dropped: that password no longer opens the file) or re-enable with reset_password."""
    actor.require(Operation.MANAGE_ACCOUNTS)
    account = _get(session, username)
    if not active and account.role == Role.DSL.value and account.active and _active_dsls(session) <= 1:
        raise ConflictError("This is the last active DSL account: add another DSL before disabling it.")
    if not active and account.active:
        _owe_replacement(folder, account.username, lead=Role(account.role) in LEADS)
    account.active = active
    if not active and _is_staff_target(actor, account):
        _staff_change(session, folder, keys, account, password=None)
        audit.record(session, actor, "disabled an account", "account", account.username)
        return
    if not active:
        _slot_changed(session, folder, account.username, lambda: keyring.drop_slot(folder, account.username))
    keyring.propose(folder, keys, account.username, role=account.role, active=active)
    audit.record(session, actor, "enabled an account" if active else "disabled an account", "account", account.username)


@changes(Topic.ACCOUNTS)
def change_role(
    session: Session, actor: Actor, folder: Path, keys: keyring.Unlocked, username: str, role: Role, password: str
) -> None:
    """Change an account's role. Its slot is rewrapped (with or without the safeguarding key), so the new
    password for that account is needed: give it to the person, who may change it at their next sign-in."""
    actor.require(Operation.MANAGE_ACCOUNTS)
    account = _get(session, username)
    if account.role == Role.DSL.value and role is not Role.DSL and account.active and _active_dsls(session) <= 1:
        raise ConflictError("This is the last active DSL account: add another DSL before changing its role.")
    check_password(password, username=account.username)
    _owe_replacement(folder, account.username, lead=Role(account.role) in LEADS)
    account.role = role.value
    account.password_hash = NO_HASH
    if _is_staff_target(actor, account):
        _staff_change(session, folder, keys, account, password=password)
        _second_factor_follows_new_key(session, actor, account)
        audit.record(session, actor, "changed an account's role", "account", account.username, role.value)
        return
    _slot_changed(session, folder, account.username,
                  lambda: keyring.set_slot(folder, keys, account.username, password, lead=role in LEADS,
                                           staff=role is Role.STAFF))  # fmt: skip
    keyring.propose(folder, keys, account.username, role=role.value, active=account.active)
    if account.username != actor.username:
        _second_factor_follows_new_key(session, actor, account)
    audit.record(session, actor, "changed an account's role", "account", account.username, role.value)


@changes(Topic.ACCOUNTS)
def new_recovery_key(session: Session, actor: Actor, folder: Path, keys: keyring.Unlocked) -> str:
    """A new recovery key (the old one stops working), shown once to the lead who made it. Audited."""
    actor.require(Operation.MANAGE_ACCOUNTS)
    recovery = keyring.new_recovery_key(folder, keys)
    audit.record(session, actor, "made a new recovery key", "account", "recovery")
    return recovery


#: The school's rule, a setting: safeguarding leads must use two-step sign-in (on unless the DSL turns it off).
LEADS_TWO_STEP = "leads_two_step"


def leads_need_two_step(session: Session) -> bool:
    """True when the school's rule is on (by default) and the register is not the fictional demo school, whose
    accounts and passwords are printed on its sign-in screen."""
    return bool(read_setting(session, LEADS_TWO_STEP, True)) and not get_school(session).is_demo


def two_step_needed(session: Session, actor: Actor) -> bool:
    """True when ``actor``, a safeguarding lead with an account, must turn on two-step sign-in before working
    (DfE's cyber security standards: accounts that reach sensitive data use more than a password)."""
    if actor.role not in LEADS or not actor.username or not leads_need_two_step(session):
        return False
    account = session.scalars(select(UserAccount).where(UserAccount.username == actor.username)).first()
    if account is not None and _server_login(session):  # (there the server's own record of it is what counts)
        from safeguard_desktop.services import server_two_step

        return not server_two_step.enrolled(session)
    return account is not None and not factor_of(session, account)[0]


def _server_login(session: Session) -> bool:
    """True on a register opened on its server with an account's own login (whose two steps the server checks)."""
    from safeguard_desktop.services.server_school import LOGIN_PATTERN

    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and LOGIN_PATTERN.match(bind.engine.url.username or "") is not None


@changes(Topic.ACCOUNTS)
def set_leads_two_step(session: Session, actor: Actor, required: bool) -> None:
    """The DSL sets the school's rule (audited)."""
    actor.require(Operation.MANAGE_ACCOUNTS)
    write_setting(session, LEADS_TWO_STEP, bool(required))
    audit.record(session, actor, "required two-step sign-in for leads" if required else
                 "stopped requiring two-step sign-in for leads", "school", "")  # fmt: skip


@changes(Topic.ACCOUNTS)
def set_second_factor(session: Session, actor: Actor, username: str, secret: str | None, code: str = "") -> None:
    """Turn TOTP on (checked against a first code from the phone) or off, for one's own account or by the DSL (a
    lead cannot turn their own off while the school requires it; the DSL can, for a lost phone, and the lead then
    sets it up again at their next sign-in)."""
    if username.strip().lower() != actor.username:
        actor.require(Operation.MANAGE_ACCOUNTS)
    account = _get(session, username)
    if (secret is None and account.username == actor.username and Role(account.role) in LEADS
            and leads_need_two_step(session)):  # fmt: skip
        raise ValidationError(
            "Two-step sign-in is required for safeguarding leads here; it stays on. (The DSL can "
            "turn it off for you if your phone is lost; you set it up again as you sign in.)"
        )
    if secret is not None and not verify_totp(secret, code):
        raise ValidationError("That code does not match: check the phone's clock and type the code shown now.")
    if _server_login(session):  # the server checks the codes itself from now on (services/server_two_step.py)
        from safeguard_desktop.services import server_two_step

        server_two_step.set_secret(session, account.username, secret)
    # Sealed to the account's own key: a key to the file (the office's) does not read it.
    _set_factor(
        session,
        account,
        (sealing.seal_for_author(session, account.username, secret) or secret) if secret else None,
        factor_of(session, account)[1],
    )
    audit.record(session, actor, "turned on two-step sign-in" if secret else "turned off two-step sign-in",
                 "account", account.username)  # fmt: skip


def new_totp_secret() -> str:
    """A fresh base32 secret for an authenticator app."""
    import pyotp

    return str(pyotp.random_base32())


def totp_uri(secret: str, username: str, school: str) -> str:
    """The otpauth:// address an authenticator app reads (as a QR code or typed)."""
    import pyotp

    return str(pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=school or "Safeguard Desktop"))


@changes(Topic.ACCOUNTS)
def enable_with_password(
    session: Session, actor: Actor, folder: Path, keys: keyring.Unlocked, username: str, password: str
) -> None:
    """Enable a disabled account with a new password (its old one stays refused), in one transaction."""
    set_active(session, actor, folder, keys, username, True)
    reset_password(session, actor, folder, keys, username, password)
