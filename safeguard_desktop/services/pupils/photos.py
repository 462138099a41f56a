"""Pupil photos for the confidential staff briefing: imported from a folder named by UPN or admission number.

Each photo is checked (a real JPEG or PNG, not too large) and kept only as a small JPEG thumbnail. An import
is all-or-nothing and can be previewed first; a file that matches no pupil, or two, is listed, never guessed.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.errors import NotFound, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import Pupil, PupilPhoto

MAX_FILE_BYTES = 15_000_000
MAX_PIXELS = 40_000_000
THUMBNAIL = (300, 375)
SUFFIXES = {".jpg", ".jpeg", ".png"}


@dataclass
class PhotoImport:
    """What an import did (or, previewed, would do)."""

    matched: list[tuple[str, int]] = field(default_factory=list)  # (file name, pupil id)
    unmatched: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, why)
    applied: bool = False


def thumbnail(data: bytes, name: str = "the photo") -> bytes:
    """A JPEG thumbnail of a JPEG or PNG image; ValidationError with the reason if it is not one."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(f"{name} is larger than 15 MB; export smaller photos from the MIS.")
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise ValidationError(f"{name} is not a JPEG or PNG image.")
    # Pillow only refuses above twice its MAX_IMAGE_PIXELS (a 64-megapixel photo passed a 40-megapixel limit):
    # the size in the header is checked here, before anything is decoded.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():  # Pillow warns above the limit; the size is refused below anyway
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
        with opened as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"{name} is {width} × {height} pixels, more than the {MAX_PIXELS // 1_000_000} megapixels a "
                    "photo for the briefing needs; export smaller photos from the MIS."
                )
            image.load()
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise ValidationError(f"{name} cannot be read as an image ({exc.__class__.__name__}).") from exc
    picture.thumbnail(THUMBNAIL)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, its size checked before it is read (a 4 GB "photo" was read whole, then refused)."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name} is larger than 15 MB; export smaller photos from the MIS.")
        return handle.read(MAX_FILE_BYTES + 1)


def import_folder(
    session: Session,
    actor: Actor,
    folder: Path,
    *,
    apply: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PhotoImport:
    """Match each image in ``folder`` to a pupil by file name (UPN or admission number) and, with ``apply``, keep it.

    Files are only read, never opened by path from data: names come from the folder listing.
    """
    actor.require(Operation.IMPORT_PUPILS)
    if not folder.is_dir():
        raise ValidationError(f"{folder} is not a folder. Choose the folder the MIS exported the photos to.")
    by_key: dict[str, list[int]] = {}
    for pid, upn, adno in session.execute(select(Pupil.id, Pupil.upn, Pupil.admission_number)):
        for key in (upn, adno):
            if key:
                by_key.setdefault(key.strip().casefold(), []).append(pid)
    result = PhotoImport()
    files = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        if path.is_symlink():  # a link may point anywhere on the PC: only files really in the folder are read
            result.rejected.append((path.name, "is a link to another place, not a photo in this folder"))
        elif path.is_file():
            files.append(path)
    prepared: list[tuple[int, bytes]] = []
    for number, path in enumerate(files, start=1):
        ids = sorted(set(by_key.get(path.stem.strip().casefold(), [])))
        if len(ids) != 1:
            result.unmatched.append(path.name)
        else:
            try:
                prepared.append((ids[0], thumbnail(_read_bounded(path), path.name)))
                result.matched.append((path.name, ids[0]))
            except ValidationError as exc:
                result.rejected.append((path.name, str(exc)))
            except OSError as exc:
                result.rejected.append((path.name, f"cannot be read ({exc.strerror or exc})"))
        if progress is not None:
            progress(number, len(files))
    if apply and prepared:
        now = datetime.now()
        for pupil_id, jpeg in prepared:
            session.merge(PupilPhoto(pupil_id=pupil_id, jpeg=jpeg, updated_at=now))
        audit.record(session, actor, "imported pupil photos", "pupil", "", f"{len(prepared)} photos")
        result.applied = True
    return result


def set_photo(session: Session, actor: Actor, pupil_id: int, data: bytes | None) -> None:
    """Give one pupil a photo, or take it away (None)."""
    actor.require(Operation.IMPORT_PUPILS)
    if session.get(Pupil, pupil_id) is None:
        raise NotFound("That pupil is no longer in the register.")
    if data is None:
        session.execute(delete(PupilPhoto).where(PupilPhoto.pupil_id == pupil_id))
        audit.record(session, actor, "removed a pupil photo", "pupil", pupil_id)
        return
    session.merge(PupilPhoto(pupil_id=pupil_id, jpeg=thumbnail(data), updated_at=datetime.now()))
    audit.record(session, actor, "set a pupil photo", "pupil", pupil_id)


def photos_for(session: Session, pupil_ids: list[int]) -> dict[int, bytes]:
    """Thumbnails by pupil id (callers check their own permission: the briefing's)."""
    if not pupil_ids:
        return {}
    rows = session.execute(select(PupilPhoto.pupil_id, PupilPhoto.jpeg).where(PupilPhoto.pupil_id.in_(pupil_ids)))
    return {pid: bytes(jpeg) for pid, jpeg in rows}
