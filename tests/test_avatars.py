"""Avatars: only real pictures, re-encoded without metadata, served safely.

The files are made here with Pillow (and one PNG header by hand), so each test says
exactly what it sends.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from community.extensions import db
from community.profiles import avatars
from community.profiles import services as profile_services
from community.profiles.models import FieldVisibility, ProfileAvatar
from tests import factories
from tests.conftest import csrf_token_from, page_with_csrf_token

GPS_CANARY = "GPSCANARY-Rue-de-la-Paix"


def picture(fmt: str = "PNG", *, size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, color="orange" if mode != "1" else 1)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A photo as a phone takes one: EXIF with a GPS position and a description."""
    image = Image.new("RGB", (800, 600), color="teal")
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = GPS_CANARY
    exif[ExifTags.Base.Make] = "CanaryPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 52.0, 10.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 19.0, 55.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes whose header announces ten billion pixels."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + (_chunk(b"IEND", b""))
    )


# --- the re-encoder ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_each_accepted_format_comes_out_square_and_re_encoded(fmt):
    result = avatars.reencode_avatar(picture(fmt))
    decoded = Image.open(io.BytesIO(result.image))
    assert decoded.size == (avatars.AVATAR_SIZE, avatars.AVATAR_SIZE)
    assert decoded.format in ("PNG", "JPEG")
    assert result.content_type == f"image/{decoded.format.lower()}"


def test_transparency_is_kept_as_png():
    result = avatars.reencode_avatar(picture("PNG", mode="RGBA"))
    assert result.content_type == "image/png"
    assert Image.open(io.BytesIO(result.image)).mode == "RGBA"


def test_exif_and_gps_metadata_are_stripped():
    original = jpeg_with_gps()
    assert GPS_CANARY.encode() in original  # the control: the canary was there
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = avatars.reencode_avatar(original)

    assert GPS_CANARY.encode() not in result.image
    assert b"CanaryPhone" not in result.image
    assert b"Exif" not in result.image
    decoded = Image.open(io.BytesIO(result.image))
    assert dict(decoded.getexif()) == {}
    assert "icc_profile" not in decoded.info


def test_trailing_bytes_after_the_picture_do_not_survive():
    # A "GIFAR"-style file: a valid picture followed by another payload.
    payload = picture("PNG") + b"<script>alert(document.cookie)</script>"
    result = avatars.reencode_avatar(payload)
    assert b"<script>" not in result.image


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Choose a picture"),
        (b"<html><script>alert(1)</script></html>", "could not be read as a picture"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "could not be read"),
        (b"GIF89a" + b"\x00" * 20, "could not be read"),  # a header and nothing behind it
        (picture("PNG")[:200], "could not be read"),  # truncated
    ],
)
def test_what_is_not_a_picture_is_refused_with_a_message(data, message):
    with pytest.raises(profile_services.ValidationFailed, match=message) as refused:
        avatars.reencode_avatar(data)
    assert refused.value.field == "avatar"


def test_decodable_formats_outside_the_list_are_refused():
    with pytest.raises(profile_services.ValidationFailed, match="BMP files are not accepted"):
        avatars.reencode_avatar(picture("BMP"))
    with pytest.raises(profile_services.ValidationFailed, match="TIFF files are not accepted"):
        avatars.reencode_avatar(picture("TIFF"))


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = png_bomb()
    assert len(bomb) < 1_000
    with pytest.raises(profile_services.ValidationFailed, match="too large to process"):
        avatars.reencode_avatar(bomb)


def test_pictures_over_the_pixel_limit_are_refused_even_below_pillows():
    # 6,000 x 5,000 = 30 megapixels: under Pillow's bomb threshold, over ours.
    big = picture("PNG", size=(6_000, 5_000), mode="1")
    with pytest.raises(profile_services.ValidationFailed, match="at most 25 megapixels"):
        avatars.reencode_avatar(big)


def test_files_over_the_byte_limit_are_refused_with_the_limit():
    with pytest.raises(profile_services.ValidationFailed, match="at most 5 MB"):
        avatars.reencode_avatar(b"\x89PNG" + b"\x00" * avatars.AVATAR_MAX_BYTES)


# --- uploading and serving --------------------------------------------------------------


def _upload(client, data: bytes, *, filename: str, mimetype: str):
    """POST a file as a browser would. The body is encoded here, in memory: the test
    client spools large ones to a temporary file it does not close."""
    token = csrf_token_from(page_with_csrf_token(client, "/account/profile"))
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            "avatar": FileStorage(io.BytesIO(data), filename, content_type=mimetype),
        }
    )
    return client.post(
        "/account/profile/avatar",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_upload_with_a_lying_name_and_type_is_judged_by_its_bytes(client_as, world):
    client = client_as("member")
    # A PNG called a JPEG: accepted, for what it is.
    assert _upload(
        client, picture("PNG"), filename="me.jpg", mimetype="image/jpeg"
    ).status_code == (302)
    # HTML called a PNG: refused beside the field.
    response = _upload(client, b"<html>hi</html>", filename="me.png", mimetype="image/png")
    assert response.status_code == 422
    assert "could not be read as a picture" in response.text
    stored = db.session.get(ProfileAvatar, world.user("member").id)
    assert Image.open(io.BytesIO(stored.image)).format in ("PNG", "JPEG")


def test_served_avatar_has_a_safe_type_and_nosniff(client_as, world):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)
    profile_services.set_avatar(member, data=jpeg_with_gps())
    response = client_as("anonymous").get("/u/member/avatar")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"].startswith("private")
    assert GPS_CANARY.encode() not in response.data


def test_avatar_follows_its_visibility_and_the_members_visibility(client_as, world):
    member = world.user("member")
    factories.make_topic(world.spaces["public"], author=member)
    profile_services.set_avatar(member, data=picture("PNG"))
    profile_services.update_profile(
        member, display_name="Member", bio="", fields={},
        visibility={"avatar": FieldVisibility.MEMBERS}, answers={},
    )  # fmt: skip
    assert client_as("anonymous").get("/u/member/avatar").status_code == 404
    assert client_as("closed_member").get("/u/member/avatar").status_code == 200
    # Someone seen only in a closed space: their avatar does not exist outside it.
    insider = world.user("closed_member")
    profile_services.set_avatar(insider, data=picture("PNG"))
    assert client_as("member").get("/u/closedmember/avatar").status_code == 404
    assert client_as("space_moderator").get("/u/closedmember/avatar").status_code == 200


def test_upload_body_limit_is_raised_for_the_avatar_route_only(app, client_as):
    client = client_as("member")
    token = csrf_token_from(page_with_csrf_token(client, "/account/profile"))
    two_megabytes = b"x" * (2 * 1024 * 1024)
    assert two_megabytes.__len__() > app.config["MAX_CONTENT_LENGTH"]
    # The avatar route reads it, and says it is not a picture.
    response = _upload(client, two_megabytes, filename="big.png", mimetype="image/png")
    assert response.status_code == 422
    # Any other route refuses a body that size before reading it.
    response = client.post(
        "/account/profile",
        data={"csrf_token": token, "bio": two_megabytes.decode()},
    )
    assert response.status_code == 413
    # And the avatar route's own cap holds too, before anything is read.
    too_big = b"x" * (app.config["UPLOAD_MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/account/profile/avatar", data=too_big, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413


def test_removing_the_avatar_deletes_it(client_as, world):
    member = world.user("member")
    profile_services.set_avatar(member, data=picture("PNG"))
    client = client_as("member")
    token = csrf_token_from(page_with_csrf_token(client, "/account/profile"))
    assert client.post(
        "/account/profile/avatar/remove", data={"csrf_token": token}
    ).status_code == (302)
    assert db.session.get(ProfileAvatar, member.id) is None
