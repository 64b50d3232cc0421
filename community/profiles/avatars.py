"""Avatar uploads: decoded by Pillow, checked, cropped and re-encoded.

Nothing a member sends is stored as sent. The bytes must decode as PNG, JPEG, WebP or
GIF, whatever the file's name or the browser's Content-Type say; the picture is
refused before decoding when its header announces more pixels than
``AVATAR_MAX_PIXELS`` (a decompression bomb: a few kilobytes that decode to
gigabytes), and Pillow's own bomb check stays on behind ours. What is kept is a
fresh square image encoded from the pixels alone, so EXIF (GPS position, camera
serial), XMP, ICC profiles, comments and any trailing bytes are gone.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from community.errors import ValidationFailed

AVATAR_MAX_BYTES = 5 * 1024 * 1024
# 25 megapixels: a phone camera's photo passes, a bomb's canvas does not. About
# 100 MB of memory at the most while decoding (RGBA).
AVATAR_MAX_PIXELS = 25_000_000
AVATAR_SIZE = 256
JPEG_QUALITY = 85
# Formats as Pillow names them, decided from the bytes.
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})
FIELD = "avatar"


@dataclass(frozen=True)
class Avatar:
    image: bytes
    content_type: str
    width: int
    height: int


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(FIELD, message)


def reencode_avatar(data: bytes) -> Avatar:
    """The picture in ``data`` as a square PNG or JPEG; raises ValidationFailed."""
    if not data:
        raise _refuse("Choose a picture to upload.")
    if len(data) > AVATAR_MAX_BYTES:
        raise _refuse(
            f"That file is {len(data) / 1024 / 1024:.1f} MB; a picture may be at most "
            f"{AVATAR_MAX_BYTES // 1024 // 1024} MB."
        )
    with warnings.catch_warnings():
        # Pillow warns (and raises past twice its limit) on bombs; both are refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _decode_and_encode(data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels() from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            # Truncated or corrupt files fail here, during the real decode.
            raise _refuse(
                "That file could not be read as a picture. Use a PNG, JPEG, WebP or GIF image."
            ) from error


def _too_many_pixels() -> ValidationFailed:
    return _refuse(
        f"That picture is too large to process: use one of at most "
        f"{AVATAR_MAX_PIXELS // 1_000_000} megapixels."
    )


def _decode_and_encode(data: bytes) -> Avatar:
    # Opening reads only the header: the format and the size are known before any
    # pixel is decoded.
    with Image.open(io.BytesIO(data)) as source:
        if source.format not in ACCEPTED_FORMATS:
            raise _refuse(
                f"{source.format or 'That'} files are not accepted; "
                "use a PNG, JPEG, WebP or GIF image."
            )
        width, height = source.size
        if width * height > AVATAR_MAX_PIXELS:
            raise _too_many_pixels()
        if source.format == "JPEG":
            # Let libjpeg decode at a fraction of the size: faster, far less memory.
            source.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
        # The first frame of an animation; loading decodes it (and finds truncation).
        source.seek(0)
        source.load()
        # Photos taken sideways carry their rotation in EXIF, which is about to go.
        upright = ImageOps.exif_transpose(source)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    square = ImageOps.fit(pixels, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    # A new image holds pixels only; make sure no metadata rides along in ``info``.
    square.info.clear()
    out = io.BytesIO()
    if has_alpha:
        square.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        square.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return Avatar(
        image=out.getvalue(), content_type=content_type, width=AVATAR_SIZE, height=AVATAR_SIZE
    )
