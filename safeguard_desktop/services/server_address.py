"""Where this computer finds the school's register on a database server: the address typed once on the connection
screen, remembered in the data folder (``server.json``), so that the app opens the server's sign-in from then on.

Never a user name or a password in it: each account signs in with its own login. TLS is required unless the person
setting it up turns that off (a server on this computer needs none: services/server.login_url).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path

from safeguard_desktop.files import write_atomically
from safeguard_desktop.services.errors import ValidationError

FILE = "server.json"
DEFAULT_PORT = 5432
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_DATABASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$")


@dataclass(frozen=True)
class ServerAddress:
    """A register's server: host, port, database, and whether the connection must be encrypted."""

    host: str
    port: int = DEFAULT_PORT
    database: str = "safeguard"
    tls: bool = True
    #: One of a trust's schools in the database (services/server_school.py); "" for a school alone.
    school: str = ""
    #: This computer signs in for the trust (its safeguarding lead: every school's figures), not to a school.
    trust: bool = False

    def url(self) -> str:
        """The register's URL, with no user (each account signs in with its own login)."""
        from sqlalchemy.engine import URL

        from safeguard_desktop.services.server import LOOPBACK
        from safeguard_desktop.services.server_school import in_url

        # (this computer itself: no network to cross, and sign-in leaves TLS to the server there)
        query = {} if self.host in LOOPBACK else {"sslmode": "require" if self.tls else "prefer"}
        url = URL.create("postgresql+psycopg", host=self.host, port=self.port, database=self.database, query=query)
        return in_url(url, self.school)


def _host(text: str) -> str:
    host = text.strip().strip("[]")
    if not host:
        raise ValidationError("Type the server's name or address (your IT support has it).", field="host")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise ValidationError(f"{host!r} is not a server name or address: letters, digits, hyphens and dots, such "
                              "as sg-server.school.local or 10.0.0.12.", field="host")  # fmt: skip
    return host.rstrip(".").lower()


def checked(host: str, port: int | str, database: str, tls: bool = True, school: str = "",
            trust: bool = False) -> ServerAddress:  # fmt: skip
    """The address as typed, checked: ValidationError naming the field that is wrong and how."""
    from safeguard_desktop.services.server_school import check_code

    try:
        number = int(str(port).strip() or DEFAULT_PORT)
    except ValueError as exc:
        raise ValidationError("The port is a number (5432 unless your IT support says otherwise).",
                              field="port") from exc  # fmt: skip
    if not 1 <= number <= 65535:
        raise ValidationError("The port is a number from 1 to 65535 (5432 unless your IT support says otherwise).",
                              field="port")  # fmt: skip
    name = database.strip()
    if not _DATABASE.match(name):
        raise ValidationError("The database's name is letters, digits and underscores, starting with a letter (as "
                              "your IT support created it, e.g. safeguard).", field="database")  # fmt: skip
    code = check_code(school) if school.strip() and not trust else ""
    return ServerAddress(_host(host), number, name, tls, code, trust)


def remembered(folder: Path) -> ServerAddress | None:
    """The server this computer signs in to, or None (none set, or the file is not one: the local register then)."""
    try:
        data = json.loads((folder / FILE).read_bytes()[:4096].decode("utf-8"))
        return checked(str(data["host"]), data["port"], str(data["database"]), bool(data.get("tls", True)),
                       str(data.get("school", "")), bool(data.get("trust", False)))  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(folder: Path, address: ServerAddress) -> None:
    """Sign in to ``address`` from now on, on this computer's account."""
    body = {"host": address.host, "port": address.port, "database": address.database, "tls": address.tls,
            "school": address.school, "trust": address.trust}  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / FILE, json.dumps(body, indent=1).encode("utf-8"), private=True)


def forget(folder: Path) -> None:
    """Use this computer's own register again."""
    (folder / FILE).unlink(missing_ok=True)
