"""Photo uploads: checked by content (never by name or declared type), bounded in bytes
and pixels, re-encoded without metadata into a display size and a thumbnail."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from typing import IO

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError

from tokenmart.barter.models import ListingPhoto
from tokenmart.barter.settings import setting
from tokenmart.barter.storage import get_storage, valid_key
from tokenmart.errors import N_, Conflict, DomainError, NotFound, ValidationError
from tokenmart.extensions import db

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoTooLarge(DomainError):
    status, code, message = 413, "photo_too_large", N_("Photos may be at most 5 MB.")


class UnsupportedPhoto(DomainError):
    status, code = 415, "unsupported_photo"
    message = N_("Upload a JPEG, PNG or WebP photo.")


@dataclass
class Rendition:
    display: bytes
    thumb: bytes
    width: int
    height: int


def _read_limited(stream: IO[bytes]) -> bytes:
    limit = int(setting("BARTER_MAX_PHOTO_BYTES"))
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PhotoTooLarge(details={"max_bytes": limit})
    if not data:
        raise ValidationError(N_("The photo is empty."),
                              details={"fields": {"photo": [N_("Empty file.")]}})
    return data


def process_image(data: bytes) -> Rendition:
    """Decode, check and re-encode; raises UnsupportedPhoto / PhotoTooLarge (4xx)."""
    max_pixels = int(setting("BARTER_MAX_PHOTO_PIXELS"))
    Image.MAX_IMAGE_PIXELS = max_pixels
    too_big = PhotoTooLarge(N_("The photo has too many pixels."), code="photo_too_many_pixels",
                            details={"max_pixels": max_pixels})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise UnsupportedPhoto(details={"format": probe.format})
                width, height = probe.size
                if width * height > max_pixels:
                    raise too_big
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                img = ImageOps.exif_transpose(img)
                img = img.convert("RGB")  # drops alpha and palette; JPEG out
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedPhoto() from exc
    display = img.copy()
    size = int(setting("BARTER_DISPLAY_SIZE"))
    display.thumbnail((size, size))
    thumb = ImageOps.fit(img, (int(setting("BARTER_THUMB_SIZE")),) * 2)
    return Rendition(_jpeg(display), _jpeg(thumb), display.width, display.height)


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif= / icc_profile= argument: the new file carries no metadata at all.
    img.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def prepare_photo(stream: IO[bytes]) -> Rendition:
    """Read, check and re-encode one upload, storing nothing (raises as process_image,
    or 422 for an empty file)."""
    return process_image(_read_limited(stream))


def store_picture(prefix: str, owner_id: int, stream: IO[bytes]) -> tuple[str, str]:
    """Check, re-encode and store one upload of another domain's picture (a reward's, a
    cause's) under `<prefix><owner id>/<random>`; returns (display key, thumbnail key).

    The one pipeline for every picture in the app: one byte and pixel limit, one set of
    errors (PhotoTooLarge 413, UnsupportedPhoto 415, ValidationError for an empty file),
    raised before anything is stored. Keys are random and never reused, so a served
    image may be cached forever and a replaced one never shows stale.
    """
    rendition = prepare_photo(stream)
    token = secrets.token_hex(12)
    display_key = f"{prefix}{owner_id}/{token}.jpg"
    thumb_key = f"{prefix}{owner_id}/{token}_t.jpg"
    storage = get_storage()
    storage.save(display_key, rendition.display)
    storage.save(thumb_key, rendition.thumb)
    return display_key, thumb_key


def load_picture(prefix: str, key: str) -> bytes | None:
    """A stored picture by key, only when the key is one of `prefix`'s own."""
    if not (key.startswith(prefix) and valid_key(key)):
        return None
    return get_storage().load(key)


def prepare_photos(uploads: list[tuple[str, IO[bytes]]]) -> list[Rendition]:
    """Check every upload of a new listing before anything is stored: all or nothing.

    Raises Conflict too_many_photos past the limit, else the first refused photo's error
    with its file name in `details["filename"]`.
    """
    limit = int(setting("BARTER_MAX_PHOTOS"))
    if len(uploads) > limit:
        raise _too_many(limit)
    renditions = []
    for filename, stream in uploads:
        try:
            renditions.append(prepare_photo(stream))
        except DomainError as err:
            err.details = {**(err.details or {}), "filename": filename}
            raise
    return renditions


def add_photo(listing_id: int, stream: IO[bytes]) -> ListingPhoto:
    """Store one more photo for the listing (the caller checked ownership and state).

    Raises Conflict too_many_photos past the limit (also when two uploads race).
    """
    _check_room(listing_id)
    return store_photo(listing_id, prepare_photo(stream))


def _check_room(listing_id: int) -> int:
    used = db.session.execute(
        sa.select(sa.func.count()).select_from(ListingPhoto)
        .where(ListingPhoto.listing_id == listing_id)
    ).scalar_one()
    limit = int(setting("BARTER_MAX_PHOTOS"))
    if used >= limit:
        raise _too_many(limit)
    return limit


def _too_many(limit: int) -> Conflict:
    return Conflict(N_("A listing can have at most %(n)s photos."), params={"n": limit},
                    code="too_many_photos")


def store_photo(listing_id: int, rendition: Rendition) -> ListingPhoto:
    """Store an already checked photo in the listing's next free slot (409
    too_many_photos when none is left, also when two uploads race)."""
    limit = _check_room(listing_id)
    position = _free_position(listing_id, limit)
    if position is None:
        raise _too_many(limit)
    token = secrets.token_hex(12)
    display_key = f"barter/{listing_id}/{token}.jpg"
    thumb_key = f"barter/{listing_id}/{token}_t.jpg"
    try:
        with db.session.begin_nested():
            photo = ListingPhoto(
                listing_id=listing_id, position=position, display_key=display_key,
                thumb_key=thumb_key, width=rendition.width, height=rendition.height,
            )
            db.session.add(photo)
            db.session.flush()
    except IntegrityError as exc:
        raise _too_many(limit) from exc
    storage = get_storage()
    storage.save(display_key, rendition.display)
    storage.save(thumb_key, rendition.thumb)
    return photo


def _free_position(listing_id: int, limit: int) -> int | None:
    taken = set(db.session.execute(
        sa.select(ListingPhoto.position).where(ListingPhoto.listing_id == listing_id)
    ).scalars())
    return next((p for p in range(limit) if p not in taken), None)


def remove_photo(listing_id: int, photo_id: int) -> None:
    photo = db.session.get(ListingPhoto, photo_id)
    if photo is None or photo.listing_id != listing_id:
        raise NotFound(N_("No such photo."))
    db.session.delete(photo)
    db.session.flush()
    storage = get_storage()
    storage.delete(photo.display_key)
    storage.delete(photo.thumb_key)


def photos_of(listing_ids: list[int]) -> dict[int, list[ListingPhoto]]:
    result: dict[int, list[ListingPhoto]] = {i: [] for i in listing_ids}
    if not listing_ids:
        return result
    rows = db.session.execute(
        sa.select(ListingPhoto).where(ListingPhoto.listing_id.in_(listing_ids))
        .order_by(ListingPhoto.listing_id, ListingPhoto.position)
    ).scalars()
    for photo in rows:
        result[photo.listing_id].append(photo)
    return result
