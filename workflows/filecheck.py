"""What an uploaded file really is: its type found from the content (magic bytes), never
from the name; names whose extension promises another type; safe file names; image
decoding with a pixel limit (decompression bombs), EXIF orientation and a JPEG thumbnail.
"""

from __future__ import annotations

import io
import os
import re
import warnings
import zipfile

from PIL import Image, ImageOps, UnidentifiedImageError

from hazardflow.engine import Detail, InvalidInput

MAX_PIXELS = 60_000_000  # a 60-megapixel photo; larger images are refused (bombs)
THUMB_SIZE = 320

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"})
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS: dict[str, str] = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
    "application/pdf": ".pdf", DOCX: ".docx", XLSX: ".xlsx", "text/plain": ".txt",
}
# What a file name's extension promises; a mismatch with the content is refused.
_PROMISED: dict[str, str] = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jfif": "image/jpeg", ".png": "image/png",
    ".webp": "image/webp", ".heic": "image/heic", ".heif": "image/heic",
    ".pdf": "application/pdf", ".docx": DOCX, ".xlsx": XLSX, ".txt": "text/plain",
    ".gif": "image/gif", ".bmp": "image/bmp", ".svg": "image/svg+xml",
    ".html": "text/html", ".htm": "text/html", ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel", ".exe": "application/octet-stream",
}
ACCEPTED_NAMES = "JPEG、PNG、WebP 图片，PDF，Word（.docx）、Excel（.xlsx）文档或纯文本"


# -- checking the content ----------------------------------------------------------------

def refuse(message: str, code: str = "unsupported_type") -> InvalidInput:
    return InvalidInput(message, [Detail(message, field="file")], code=code)


def _heic_supported() -> bool:
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_heif_opener()
    return True


def _zip_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:
                return None
            types = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    if "macroEnabled" in types:
        return None
    if "wordprocessingml.document.main+xml" in types:
        return DOCX
    if "spreadsheetml.sheet.main+xml" in types:
        return XLSX
    return None


_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|body|iframe|\?xml|head|meta|a\s)",
                     re.IGNORECASE)


def _text_type(data: bytes) -> str | None:
    if b"\x00" in data or _MARKUP.search(data[:65536]):
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
            return None
        return "text/plain; charset=utf-8" if encoding == "utf-8-sig" else \
            "text/plain; charset=gb18030"
    return None


def sniff(data: bytes) -> str | None:
    """The content type found from the bytes, or None when it is not one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis",
                                               b"mif1", b"msf1"):
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return _text_type(data)


def _base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip()


def clean_filename(filename: str) -> str:
    """The last path part, without control characters, at most 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip().strip(".") or "file"
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[:190] + "." + ext
    return name[:200]


def check_type(filename: str, data: bytes) -> str:
    """The content type of an upload; InvalidInput with a Chinese message if refused."""
    content_type = sniff(data)
    if content_type is None:
        raise refuse(f"不支持的文件类型：“{clean_filename(filename)}”的内容不是"
                      f"{ACCEPTED_NAMES}")
    if content_type == "image/heic" and not _heic_supported():
        raise refuse("暂不支持 HEIC 格式照片，请在相机设置中选择“兼容性最佳”（JPEG）后重新拍摄，"
                      "或上传 JPEG/PNG 图片")
    ext = os.path.splitext(clean_filename(filename))[1].lower()
    promised = _PROMISED.get(ext)
    if promised is not None and promised != _base_type(content_type):
        raise refuse(f"文件内容与扩展名不符：“{clean_filename(filename)}”不是真正的"
                      f"{ext[1:].upper()} 文件")
    return content_type


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG thumbnail (upright by EXIF), after checking the image decodes and is not a
    decompression bomb; InvalidInput otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise refuse(f"图片尺寸过大（{width}×{height} 像素），请压缩后再上传",
                                  "image_too_large")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.draft("RGB", (THUMB_SIZE * 2, THUMB_SIZE * 2))
                upright = ImageOps.exif_transpose(image)
                upright = upright.convert("RGB")
                upright.thumbnail((THUMB_SIZE, THUMB_SIZE))
                out = io.BytesIO()
                upright.save(out, "JPEG", quality=80, optimize=True)
                return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse("图片尺寸过大，疑似异常图片，已拒收", "image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise refuse("图片已损坏或无法识别，请重新上传") from None
