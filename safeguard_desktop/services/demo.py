"""A demo school of fictional pupils, so the app can be tried (and measured) with no real data."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from stdnum.gb import upn as stdnum_upn

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.dates import academic_year_start, end_of_academic_year
from safeguard_desktop.domain.pupils import YEAR_GROUPS
from safeguard_desktop.security import sealing
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.errors import ConflictError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import ConsentDecision, ConsentPurpose, Contact, Pupil, School

FORENAMES = (
    "Amelia",
    "Oliver",
    "Zoë",
    "Siobhán",
    "Aoife",
    "Muhammad",
    "Olivia",
    "Noah",
    "Wiktoria",
    "Jakub",
    "Nguyễn",
    "Thảo",
    "Çağla",
    "Emre",
    "Fatima",
    "Isla",
    "Harry",
    "Chloé",
    "José",
    "Ava",
    "Leo",
    "Priya",
    "Arjun",
    "Grace",
    "Ffion",
    "Dafydd",
    "Mía",
    "Kofi",
    "Ama",
    "Yusuf",
    "Mei",
    "Hiroshi",
    "Anaïs",
    "Seán",
    "Róisín",
    "Łucja",
    "Zsófia",
    "Björn",
    "Ана",
    "Дмитрий",
    "Ελένη",
    "Sophie",
    "Jack",
    "Maya",
    "Ibrahim",
)
SURNAMES = (
    "O'Brien",
    "Smith",
    "Jones",
    "Nowak",
    "Kowalczyk",
    "Nguyễn",
    "Trần",
    "Yılmaz",
    "Öztürk",
    "Khan",
    "Ahmed",
    "Patel",
    "Williams",
    "Taylor",
    "Brown-Hughes",
    "Ní Bhriain",
    "Mac Giolla",
    "MacDonald",
    "Müller",
    "García",
    "Dubois",
    "Mensah",
    "Okafor",
    "Chen",
    "Tanaka",
    "Wiśniewski",
    "Davies",
    "Evans",
    "Quinn",
    "Lefèvre",
    "Ivanova",
    "Παπαδόπουλος",
    "Singh",
    "Kaur",
    "Hussain",
    "D'Souza",
    "Walsh",
)
PARENT_NAMES = ("Sarah", "David", "Anna", "Tomasz", "Linh", "Ayesha", "Michael", "Claire", "Kwame", "Emma")
RELATIONSHIPS = ("Mother", "Father", "Carer", "Grandparent", "Guardian")
NEVER_REASONS = ("Adopted", "Court order", "Relocated after domestic abuse")
DEMO_SCHOOL = "Oakfield Primary School (demo)"


def _upn(serial: int) -> str:
    body = f"801{2000 + serial // 100_000 % 10:04d}{serial // 1000 % 100:02d}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def create_demo_school(
    session: Session,
    actor: Actor,
    *,
    pupils: int = 420,
    seed: int = 2026,
    today: date | None = None,
    year_groups: tuple[str, ...] | None = None,
) -> int:
    """Fill an empty register with fictional pupils and decisions. Returns the number of pupils.

    Raises:
        ConflictError: the register already holds pupils (demo data never mixes with real data).
    """
    actor.require(Operation.CREATE_DEMO)
    if session.scalar(select(func.count()).select_from(Pupil)):
        raise ConflictError("This register already holds pupils; the demo school needs an empty register.")
    rng = random.Random(seed)
    day = today or date.today()
    groups = year_groups or (YEAR_GROUPS[1:8] if pupils <= 1000 else YEAR_GROUPS[9:16])
    school = session.scalars(select(School)).first() or School()
    school.name = DEMO_SCHOOL
    school.address = "1 Orchard Lane\nOakfield\nOK1 2AB"
    school.headteacher = "Mrs Helen Carter"
    school.dsl_name = "Mr Daniel Reid"
    school.self_consent_age = 13
    school.is_demo = True
    session.add(school)
    session.flush()

    start_year = academic_year_start(day)
    per_group = max(1, -(-pupils // len(groups)))
    rows = []
    for n in range(pupils):
        group_index = min(n // per_group, len(groups) - 1)
        group = groups[group_index]
        level = YEAR_GROUPS.index(group)
        born_year = start_year - 4 - (level - 1)
        born = date(born_year, 9, 1) + timedelta(days=rng.randrange(365))
        classes = 2 if per_group > 30 else 1
        letter = "AB"[n % classes] if classes > 1 else "A"
        short = "R" if group == "Reception" else group.replace("Year ", "")
        never = rng.random() < 0.02
        rows.append(
            {
                "upn": _upn(n + 1),
                "admission_number": f"{1000 + n}",
                "legal_forename": rng.choice(FORENAMES),
                "legal_surname": rng.choice(SURNAMES),
                "preferred_forename": None,
                "preferred_surname": None,
                "date_of_birth": born,
                "year_group": group,
                "reg_group": f"{short}{letter}",
                "on_roll": True,
                "never_photograph": never,
                "never_photograph_reason": sealing.seal(session, rng.choice(NEVER_REASONS)) if never else None,
                "version": 1,
            }
        )
    session.execute(insert(Pupil), rows)
    ids = list(session.scalars(select(Pupil.id).order_by(Pupil.id)))
    purposes = list(session.execute(select(ConsentPurpose.id, ConsentPurpose.wording_version)))
    now = datetime.now()
    september = date(start_year, 9, 5)
    decisions = []
    weights = ((ConsentState.GRANTED, 0.72), (ConsentState.REFUSED, 0.12), (ConsentState.REQUESTED, 0.06))
    givers: dict[int, tuple[str, str]] = {}
    for pid in ids:
        if rng.random() < 0.08:
            continue  # no reply at all yet
        parent = f"{rng.choice(PARENT_NAMES)} (parent)"
        relationship = rng.choice(RELATIONSHIPS)
        givers[pid] = (parent.replace(" (parent)", ""), relationship)
        for purpose_id, wording in purposes:
            roll = rng.random()
            acc = 0.0
            state = None
            for candidate, weight in weights:
                acc += weight
                if roll < acc:
                    state = candidate
                    break
            if state is None:
                continue
            given = min(day, september + timedelta(days=rng.randrange(20)))
            decisions.append(_decision(pid, purpose_id, state, parent, relationship, given, wording, actor, now))
            if state is ConsentState.GRANTED and rng.random() < 0.03:
                later = min(day, given + timedelta(days=rng.randrange(1, 60)))
                decisions.append(
                    _decision(pid, purpose_id, ConsentState.WITHDRAWN, parent, relationship, later, wording, actor, now)
                )
    _demo_contacts(session, givers, decisions)
    for chunk in range(0, len(decisions), 20_000):
        session.execute(insert(ConsentDecision), decisions[chunk : chunk + 20_000])
    audit.record(session, actor, "created demo school", "school", school.id, f"{pupils} fictional pupils")
    return pupils


OTHER_PARENT = {"Mother": "Father", "Father": "Mother"}


def _demo_contacts(session: Session, givers: dict[int, tuple[str, str]], decisions: list[dict[str, object]]) -> None:
    """Each answering family's contact (their decisions become theirs) and, for most, a second parent — some
    living apart — as a school's MIS contacts export would give them (its own random stream: the demo's consent
    figures stay as they were)."""
    rng = random.Random(4242)
    surnames = dict(session.execute(select(Pupil.id, Pupil.legal_surname).where(Pupil.id.in_(list(givers)))).all())
    rows = []
    for pid, (first, relationship) in givers.items():
        surname = surnames.get(pid, "")
        rows.append({"pupil_id": pid, "name": f"{first} {surname}".strip(), "relationship": relationship,
                     "parental_responsibility": True, "lives_with_pupil": True, "email": "", "phone": "",
                     "address": "", "priority": 1, "mis_reference": "", "active": True, "version": 1})  # fmt: skip
        if relationship in OTHER_PARENT and rng.random() < 0.7:
            other = rng.choice([n for n in PARENT_NAMES if n != first])
            rows.append({"pupil_id": pid, "name": f"{other} {surname}".strip(),
                         "relationship": OTHER_PARENT[relationship],
                         "parental_responsibility": True, "lives_with_pupil": rng.random() < 0.85, "email": "",
                         "phone": "", "address": "", "priority": 2, "mis_reference": "", "active": True,
                         "version": 1})  # fmt: skip
    for chunk in range(0, len(rows), 20_000):
        session.execute(insert(Contact), rows[chunk : chunk + 20_000])
    first_contacts = {pid: (cid, name) for cid, pid, name in session.execute(
        select(Contact.id, Contact.pupil_id, Contact.name).where(Contact.priority == 1))}  # fmt: skip
    for decision in decisions:
        found = first_contacts.get(int(decision["pupil_id"]))  # type: ignore[call-overload]
        if found is not None:
            decision["contact_id"], decision["given_by_name"] = found


def _decision(
    pupil_id: int,
    purpose_id: int,
    state: ConsentState,
    parent: str,
    relationship: str,
    given: date,
    wording: int,
    actor: Actor,
    now: datetime,
) -> dict[str, object]:
    return {
        "pupil_id": pupil_id,
        "purpose_id": purpose_id,
        "state": state.value,
        "given_by_kind": GivenByKind.PARENT.value,
        "given_by_name": parent.replace(" (parent)", ""),
        "given_by_relationship": relationship,
        "route": Route.PAPER_SLIP.value if state is not ConsentState.WITHDRAWN else Route.EMAIL.value,
        "given_on": given,
        "valid_until": end_of_academic_year(given) if state is ConsentState.GRANTED else None,
        "wording_version": wording,
        "recorded_by": actor.name,
        "recorded_at": now,
        "note": "Demo data" if state is not ConsentState.WITHDRAWN else "Withdrawn by email (demo)",
        "source": "demo",
        "contact_id": None,
    }
