"""Which school of a database a server register is: a school alone in its database, or one of a trust's schools.

A multi-academy trust keeps its schools in ONE database on its server, each school in a schema of its own
(``school_<code>``) with its own group roles (``sg_<code>_dsl``, ``sg_<code>_lead``, ``sg_<code>_office``,
``sg_<code>_staff``) and logins (``sg_<code>_u_<name>``): a school's logins have no USAGE on another school's schema,
so one school's staff read nothing of another's, in the app or with ``psql``. PostgreSQL's roles belong to the whole
server, not to a database, so per-school names are also what keeps two schools' "j.smith" two logins.

A school alone in its database keeps the names it always had (schema ``public``, ``sg_lead`` …, ``sg_u_<name>``).

The school travels in the register's URL as libpq's own ``options=-csearch_path=school_<code>`` (what ``psql``
takes as ``PGOPTIONS``), so every statement of the app — migrations included — finds that school's tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from safeguard_desktop.services.errors import ValidationError

SCHEMA_PREFIX = "school_"
#: 2–16 characters: the longest login, ``sg_<code>_u_`` and a 40-character user name, stays within PostgreSQL's 63.
_CODE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
#: ``trust``'s names are the trust's own (services/server_trust.py).
RESERVED = frozenset({"trust"})
_OPTION = re.compile(r"-c\s*search_path\s*=\s*(\S+)")
#: Any login of a register on a server, a school alone's or a trust's school's.
LOGIN_PATTERN = re.compile(r"^sg_(?:[a-z][a-z0-9]{1,15}_)?u_")


def check_code(text: str) -> str:
    """A school's code as typed, checked: 2–16 lower-case letters and digits, starting with a letter."""
    code = text.strip().lower()
    if not _CODE.match(code) or code in RESERVED:
        raise ValidationError("A school's code is 2 to 16 lower-case letters and digits, starting with a letter "
                              "(e.g. oakfield), and not 'trust'.", field="school")  # fmt: skip
    return code


@dataclass(frozen=True)
class School:
    """The names of one school's schema and roles on its server. ``code`` "" is a school alone in its database."""

    code: str = ""

    @property
    def _tag(self) -> str:
        return f"sg_{self.code}_" if self.code else "sg_"

    @property
    def dsl(self) -> str:
        """The DSL's group (a member of the leads')."""
        return self._tag + "dsl"

    @property
    def lead(self) -> str:
        """The leads' group (DSL and deputies)."""
        return self._tag + "lead"

    @property
    def office(self) -> str:
        """The office's group."""
        return self._tag + "office"

    @property
    def staff(self) -> str:
        """Staff's group."""
        return self._tag + "staff"

    @property
    def login_prefix(self) -> str:
        """What every login of this school starts with."""
        return self._tag + "u_"

    @property
    def schema(self) -> str | None:
        """The school's schema in a trust's database; None for a school alone (its database's own schema)."""
        return SCHEMA_PREFIX + self.code if self.code else None

    def login(self, username: str) -> str:
        """The PostgreSQL login of one of this school's accounts."""
        return self.login_prefix + username

    def groups(self) -> dict[str, str]:
        """The group of each role (Role's values)."""
        return {"dsl": self.dsl, "deputy_dsl": self.lead, "office": self.office, "staff": self.staff}

    def describe(self) -> str:
        """How a message names it."""
        return f"school {self.code}" if self.code else "the school"


def of_url(url: Any) -> School:
    """The school a register's URL names (its ``options``' search_path), or a school alone."""
    from sqlalchemy.engine import make_url

    options = make_url(url).query.get("options")
    found = _OPTION.search(options if isinstance(options, str) else "")
    schema = found.group(1).split(",")[0].strip('"') if found else ""
    if schema.startswith(SCHEMA_PREFIX):
        return School(check_code(schema[len(SCHEMA_PREFIX) :]))
    return School()


def in_url(url: Any, code: str) -> str:
    """``url`` naming the school ``code`` ("" leaves it a school alone's), as a string with any password kept."""
    from sqlalchemy.engine import make_url

    address = make_url(url)
    query = {k: v for k, v in address.query.items() if k != "options"}
    if code:
        query["options"] = f"-csearch_path={SCHEMA_PREFIX}{check_code(code)}"
    return address.set(query=query).render_as_string(hide_password=False)


def of_connection(connection: Any) -> School:
    """The school whose tables a connection sees (its current schema)."""
    from sqlalchemy import text

    schema = str(connection.execute(text("SELECT current_schema()")).scalar_one() or "")
    return School(schema[len(SCHEMA_PREFIX) :]) if schema.startswith(SCHEMA_PREFIX) else School()
