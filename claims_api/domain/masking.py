"""Masking of personal data for the bot scope and for logs (保密: nothing in clear)."""

from __future__ import annotations


def mask_name(name: str | None) -> str | None:
    """王建国 → 王*国, 李娜 → 李*, 欧阳娜娜 → 欧**娜."""
    if name is None:
        return None
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678; anything shorter keeps only its last 2 characters."""
    if phone is None:
        return None
    if len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    if len(phone) <= 2:
        return "*" * len(phone)
    return "*" * (len(phone) - 2) + phone[-2:]


def mask_id_number(id_number: str | None) -> str | None:
    """110105198003071234 → 1****************4 (only first and last character kept)."""
    if id_number is None:
        return None
    if len(id_number) <= 2:
        return "*" * len(id_number)
    return id_number[0] + "*" * (len(id_number) - 2) + id_number[-1]
