from django.core.validators import RegexValidator

product_key_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{1,64}\Z", "Use 1 to 64 letters, digits, underscores or hyphens."
)
# Names that are periods alone ("." or "..") are refused: module names and versions are path segments of
# TUF target paths and download URLs, where they would mean "here" and "up".
module_name_validator = RegexValidator(
    r"^(?!\.+\Z)[A-Za-z0-9_.-]{1,64}\Z",
    "Use 1 to 64 letters, digits, underscores, hyphens or periods, not periods alone.",
)
version_validator = RegexValidator(
    r"^(?!\.+\Z)[A-Za-z0-9_.+-]{1,256}\Z",
    "Use 1 to 256 letters, digits, underscores, hyphens, periods or plus signs, not periods alone.",
)
sha256_validator = RegexValidator(r"^[0-9a-f]{64}\Z", "A SHA-256 is 64 lower-case hexadecimal digits.")
file_name_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}\Z",
    "A file name is 1 to 255 letters, digits, periods, underscores, hyphens or plus signs, "
    "starting with a letter or digit.",
)
