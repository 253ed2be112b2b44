"""Storing a shot's photo, and answering with it once the caller's view has checked access.

Photos are private: no URL that can be guessed or shared ever serves one.
On the file system Django streams the bytes itself. On S3 the browser is
sent to a presigned URL that lives AWS_QUERYSTRING_EXPIRE seconds, so web
workers do not spend their time relaying bytes the bucket can serve.

A photo is stored whole or not at all: a full disk or a failing bucket
leaves no partial file behind (``photo_store``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseBase, HttpResponseRedirect

from shots.models import Shot

logger = logging.getLogger(__name__)

# What Django gives an uploaded file when FILE_UPLOAD_PERMISSIONS is unset (None).
DEFAULT_FILE_MODE = 0o644


def photo_store(*, image: FieldFile, name: str, content: bytes) -> None:
    """Store ``content`` as ``image``'s file under ``name`` (a fresh, random name).

    On the file system the bytes go to a hidden file beside the final one,
    are flushed to disk, and only then renamed into place: the final name
    never points at a partial file, and a failed write (a full disk: ENOSPC,
    a size limit: EFBIG) removes what it wrote. Other storages (S3) store an
    object whole or not at all; should one fail after all (a timeout after
    the upload went through), the object is removed again, best effort.
    Raises whatever the storage raised; the shot's row must then not be saved.
    """
    storage = image.storage
    target = image.field.generate_filename(image.instance, name)
    if isinstance(storage, FileSystemStorage):
        stored = _write_whole(storage, target, content, max_length=image.field.max_length)
        # As FieldFile.save does: the instance's field now names the stored file.
        setattr(image.instance, image.field.attname, stored)
        return
    try:
        image.save(name, ContentFile(content), save=False)
    except BaseException:
        photo_remove(storage=storage, name=target)
        raise


def photo_remove(*, storage: Storage, name: str) -> None:
    """Delete a stored photo whose shot was never saved; log, never raise, if that fails too."""
    try:
        storage.delete(name)
    except Exception:
        # The storage is failing already; an orphaned object harms no one (no row names it).
        logger.warning("Could not remove the photo %s after a failed upload", name, exc_info=True)


def _write_whole(
    storage: FileSystemStorage, name: str, content: bytes, *, max_length: int | None
) -> str:
    name = storage.get_available_name(name, max_length=max_length)
    path = storage.path(name)
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=storage.directory_permissions_mode or 0o777, exist_ok=True)
    descriptor, staged = tempfile.mkstemp(dir=directory, prefix=".", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            # On disk before a row points at it: a power cut must not leave a 0-byte photo.
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the mode an upload gets.
        mode = storage.file_permissions_mode
        os.chmod(staged, DEFAULT_FILE_MODE if mode is None else mode)
        # Same directory, so the same file system: the rename is atomic.
        os.replace(staged, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        raise
    _sync_directory(directory)
    return name


def _sync_directory(directory: str) -> None:
    # The rename itself must survive a power cut too; not every file system allows it.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def photo_response(shot: Shot) -> HttpResponseBase:
    """The photo of ``shot``; 404 when it has none. The caller has checked access."""
    if not shot.image:
        raise Http404("This shot has no photo.")
    if _signs_its_urls(shot.image.storage):
        response: HttpResponseBase = HttpResponseRedirect(shot.image.url)
        # The signed link is a bearer token: no cache may keep the redirect.
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        photo = shot.image.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    # Stored photos are always re-encoded JPEGs; nosniff (settings) keeps it so.
    response = FileResponse(photo, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _signs_its_urls(storage: Storage) -> bool:
    # Only a storage that presigns (S3 with querystring auth) may hand out its
    # URL; any other URL would be a public one, so such photos are streamed.
    return bool(getattr(storage, "querystring_auth", False))
