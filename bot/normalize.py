"""Normalisers and validators for the structured fields of a claim report.

One place for the value forms of shared/contract.md §3, used both by the NLU extractor
(bot.nlu.structured_entities) and by the form validation in the actions, so that a value
typed into a form and a value found in a free sentence come out the same.
"""
from __future__ import annotations

import re
from typing import Optional

from stdnum.cn import ric

_SEPARATORS = re.compile(r"[\s\-·•.．_—]+")
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"}

POLICY_NUMBER = re.compile(r"^P[A-Z]{3}\d{18}$")
REPORT_NUMBER = re.compile(r"^BA\d{14}$")
PHONE_NUMBER = re.compile(r"^1[3-9]\d{9}$")
PLATE_NUMBER = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警]$"
)


def to_halfwidth(text: str) -> str:
    """Full-width digits and letters (common on Chinese keyboards) become ASCII."""
    return text.translate(_FULLWIDTH)


def compact(text: str) -> str:
    """Upper-case, half-width, with spaces, dashes and middle dots removed."""
    return _SEPARATORS.sub("", to_halfwidth(text)).upper()


def normalize_policy_number(text: str) -> Optional[str]:
    value = compact(text)
    return value if POLICY_NUMBER.match(value) else None


def normalize_report_number(text: str) -> Optional[str]:
    value = compact(text)
    return value if REPORT_NUMBER.match(value) else None


def normalize_phone_number(text: str) -> Optional[str]:
    value = compact(text).lstrip("+")
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value if PHONE_NUMBER.match(value) else None


def normalize_plate_number(text: str) -> Optional[str]:
    value = compact(text)
    return value if PLATE_NUMBER.match(value) else None


def normalize_id_number(text: str) -> Optional[str]:
    """18 characters with an upper-case check letter; the check digit is not judged here."""
    value = compact(text)
    return value if re.match(r"^\d{17}[\dX]$", value) else None


def id_number_is_valid(value: str) -> bool:
    """GB 11643 check digit and a real birth date, via python-stdnum.

    stdnum's full `ric.is_valid` also requires the region code to be in its own table,
    which lags behind renamed districts (440305, 420106 fail), so only the check digit
    and the date are judged here.
    """
    if not re.match(r"^\d{17}[\dX]$", value or ""):
        return False
    try:
        ric.get_birth_date(value)
    except Exception:  # stdnum raises its own ValidationError subclasses
        return False
    return ric.calc_check_digit(value) == value[-1]


NORMALIZERS = {
    "policy_number": normalize_policy_number,
    "report_number": normalize_report_number,
    "phone_number": normalize_phone_number,
    "plate_number": normalize_plate_number,
    "id_number": normalize_id_number,
}
