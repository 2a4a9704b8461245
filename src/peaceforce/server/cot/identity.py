"""Who a TLS client is: their certificate's registered fingerprint, else its subject.

The TLS handshake has already checked the certificate against the server's CA
(``--tls-ca``) and its dates. A certificate registered with ``peaceforce user
add ... --cert FILE`` maps to its user by SHA-256 fingerprint; any other one
from the CA maps to the user whose name is its subject's common name. A
revoked user, or a certificate that maps to nobody, is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from peaceforce.errors import InputError, Problem
from peaceforce.server.db import Database
from peaceforce.server.models import CertificateRow, UserRow
from peaceforce.server.users import UserPublic, public_user
from peaceforce.server.visibility import SYSTEM

#: The largest certificate file read, in bytes.
MAX_CERTIFICATE_BYTES = 64 * 1024


@dataclass(frozen=True)
class CertificateFacts:
    """What the server keeps of a certificate."""

    fingerprint: str
    subject: str
    common_name: str | None
    not_after: datetime


def facts(certificate: x509.Certificate) -> CertificateFacts:
    """Fingerprint (SHA-256 of the DER), subject, common name and expiry of a certificate."""
    der = certificate.public_bytes(Encoding.DER)
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common = names[0].value if names else None
    return CertificateFacts(
        fingerprint=hashlib.sha256(der).hexdigest(),
        subject=certificate.subject.rfc4514_string(),
        common_name=common if isinstance(common, str) else None,
        not_after=certificate.not_valid_after_utc.replace(tzinfo=None),
    )


def facts_of_der(der: bytes) -> CertificateFacts:
    """The facts of a certificate as a TLS connection hands it over (DER)."""
    return facts(x509.load_der_x509_certificate(der))


def read_certificate(path: Path, option: str = "--cert") -> CertificateFacts:
    """A certificate file, PEM or DER; ``InputError`` names the file and what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(path), "-", exc.strerror or "unreadable", option)]) from None
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise InputError(
            [Problem(str(path), "-", f"{len(data)} bytes", f"at most {MAX_CERTIFICATE_BYTES}")]
        )
    try:
        certificate = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except ValueError:
        raise InputError(
            [Problem(str(path), "-", "not a certificate", "an X.509 certificate, PEM or DER")]
        ) from None
    found = facts(certificate)
    if found.not_after < datetime.now(UTC).replace(tzinfo=None):
        raise InputError(
            [Problem(str(path), "notAfter", f"{found.not_after:%Y-%m-%d}", "a valid certificate")]
        )
    return found


def check_unregistered(database: Database, found: CertificateFacts) -> None:
    """Refuse a certificate some user has registered already (one certificate, one user)."""
    with database.session(SYSTEM) as session:
        if session.execute(
            select(CertificateRow.id).where(CertificateRow.fingerprint == found.fingerprint)
        ).first():
            raise InputError(
                [Problem("--cert", "-", found.subject, "a certificate no user has registered")]
            )


def register_certificate(database: Database, user_id: int, found: CertificateFacts) -> None:
    """Register a certificate to a user; one certificate belongs to one user only."""
    check_unregistered(database, found)
    with database.session(SYSTEM, write=True) as session:
        session.add(
            CertificateRow(
                user_id=user_id,
                fingerprint=found.fingerprint,
                subject=found.subject,
                not_after=found.not_after,
            )
        )


def user_for_certificate(database: Database, found: CertificateFacts) -> UserPublic | None:
    """The user a certificate stands for: by registered fingerprint, else by common name."""
    with database.session(SYSTEM) as session:
        row = session.execute(
            select(UserRow)
            .join(CertificateRow, CertificateRow.user_id == UserRow.id)
            .where(
                CertificateRow.fingerprint == found.fingerprint,
                CertificateRow.revoked.is_(None),
                UserRow.revoked.is_(None),
            )
        ).scalar_one_or_none()
        if row is None and found.common_name:
            row = session.execute(
                select(UserRow).where(UserRow.name == found.common_name, UserRow.revoked.is_(None))
            ).scalar_one_or_none()
        return None if row is None else public_user(row)


def user_by_name(database: Database, name: str, *, option: str = "--cot-user") -> UserPublic:
    """A user who is not revoked, by name (the plain port's ``--cot-user``)."""
    with database.session(SYSTEM) as session:
        row = session.execute(
            select(UserRow).where(UserRow.name == name, UserRow.revoked.is_(None))
        ).scalar_one_or_none()
    if row is None:
        raise InputError([Problem(option, "-", name, "the name of a user not revoked")])
    return public_user(row)
