"""Settings, read in one place: environment variables, then an optional TOML file, then defaults.

Only the CLI and web layers call `load_settings`; everything below them gets
the values it needs as parameters.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "MICROCRED_"
_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True}
_BOOLEANS |= {"0": False, "false": False, "no": False, "off": False}


class SettingsError(Exception):
    pass


SMTP_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server the instance sends through (MICROCRED_SMTP_*; the password from the
    environment only, MICROCRED_SMTP_PASSWORD, never from the TOML file)."""

    host: str
    port: int = 587
    security: str = "starttls"  # starttls (port 587), ssl (implicit TLS, port 465), none
    user: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    base_url: str = "http://localhost:8000"
    secret_key: str | None = None
    trust_list: Path | None = None
    allowed_hosts: tuple[str, ...] = ()
    # outbound requests may reach loopback / private / link-local addresses (allow-listed
    # host:port still required); off unless the operator says so
    outbound_allow_private: bool = False
    # PEM files of extra certification authorities outbound TLS trusts besides the public
    # bundle (MICROCRED_OUTBOUND_CA_FILES): an issuer on a private or test CA, as
    # NODE_EXTRA_CA_CERTS does for Node
    outbound_ca_files: tuple[Path, ...] = ()
    # JSON-LD contexts the operator supplies as files, "URL=FILE" each (MICROCRED_EXTRA_CONTEXTS,
    # comma or newline separated, or a TOML list): served offline, never fetched
    extra_contexts: tuple[str, ...] = ()
    # trust anchors of the verifiers (x5c chains): files of PEM CA certificates and ETSI
    # TS 119 612 trusted-list XML (MICROCRED_TRUST_ANCHORS, comma or newline separated, or a
    # TOML list); and whether the instance's own TEST CA is one (off unless set: the demo
    # and tests set it)
    trust_anchors: tuple[Path, ...] = ()
    trust_test_ca: bool = False
    # PEM certificates of the trusted lists' operators (MICROCRED_TRUSTED_LIST_SIGNERS): when
    # set, every TS 119 612 list in trust_anchors must carry a valid XML signature by one
    trusted_list_signers: tuple[Path, ...] = ()
    # outgoing e-mail (invitations, password resets, claim links); None: written to the outbox
    smtp: SmtpSettings | None = None
    mail_from: str = "microcred@localhost"
    # OpenID4VCI: wallet attestation (OAuth-Client-Attestation at PAR and token) and key
    # attestation (key_attestation in proofs), each off | optional | required; checked against
    # the wallet providers' CA certificates (PEM files, MICROCRED_WALLET_PROVIDER_TRUST_ANCHORS)
    wallet_attestation: str = "off"
    key_attestation: str = "off"
    wallet_provider_trust_anchors: tuple[Path, ...] = ()
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def secret_key_file(self) -> Path:
        return self.home / "secret.key"

    @property
    def outbox(self) -> Path:
        """Where mails go when no SMTP server is configured (one .eml file each)."""
        return self.home / "outbox"


def default_home() -> Path:
    return Path.home() / ".microcred"


def load_settings(env: Mapping[str, str] | None = None, *, home: Path | None = None) -> Settings:
    env = os.environ if env is None else env
    home = home or Path(env.get(f"{ENV_PREFIX}HOME") or default_home()).expanduser()
    config_path = Path(env.get(f"{ENV_PREFIX}CONFIG") or home / "config.toml")
    file_values: dict[str, object] = {}
    if config_path.is_file():
        try:
            file_values = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{config_path}: not valid TOML ({exc})") from None

    def value(name: str) -> str | None:
        from_env = env.get(f"{ENV_PREFIX}{name.upper()}")
        if from_env:
            return from_env
        raw = file_values.get(name)
        return None if raw is None else str(raw)

    database_url = value("database_url") or f"sqlite:///{home / 'microcred.db'}"
    trust_list = value("trust_list")
    hosts = value("allowed_hosts")
    allow_private = (value("outbound_allow_private") or "false").strip().lower()
    if allow_private not in _BOOLEANS:
        raise SettingsError(
            f"{ENV_PREFIX}OUTBOUND_ALLOW_PRIVATE: {allow_private[:40]!r} is not one of "
            "true, false, 1, 0, yes, no"
        )
    contexts_raw = env.get(f"{ENV_PREFIX}EXTRA_CONTEXTS") or file_values.get("extra_contexts")
    if isinstance(contexts_raw, list):
        extra_contexts = tuple(str(item).strip() for item in contexts_raw if str(item).strip())
    elif isinstance(contexts_raw, str):
        parts = contexts_raw.replace("\n", ",").split(",")
        extra_contexts = tuple(part.strip() for part in parts if part.strip())
    elif contexts_raw is None:
        extra_contexts = ()
    else:
        raise SettingsError(
            "extra_contexts: a list of URL=FILE strings (or one comma-separated string)"
        )
    trust_test_ca = (value("trust_test_ca") or "false").strip().lower()
    if trust_test_ca not in _BOOLEANS:
        raise SettingsError(
            f"{ENV_PREFIX}TRUST_TEST_CA: {trust_test_ca[:40]!r} is not one of "
            "true, false, 1, 0, yes, no"
        )
    return Settings(
        wallet_attestation=_attestation_mode(value, "wallet_attestation"),
        key_attestation=_attestation_mode(value, "key_attestation"),
        wallet_provider_trust_anchors=_paths(
            env.get(f"{ENV_PREFIX}WALLET_PROVIDER_TRUST_ANCHORS")
            or file_values.get("wallet_provider_trust_anchors")
        ),
        trust_anchors=_paths(
            env.get(f"{ENV_PREFIX}TRUST_ANCHORS") or file_values.get("trust_anchors")
        ),
        trust_test_ca=_BOOLEANS[trust_test_ca],
        trusted_list_signers=_paths(
            env.get(f"{ENV_PREFIX}TRUSTED_LIST_SIGNERS") or file_values.get("trusted_list_signers")
        ),
        smtp=_smtp(value, env),
        mail_from=(value("mail_from") or "microcred@localhost").strip(),
        home=home,
        database_url=database_url,
        base_url=(value("base_url") or "http://localhost:8000").rstrip("/"),
        secret_key=value("secret_key"),
        trust_list=Path(trust_list) if trust_list else None,
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()) if hosts else (),
        outbound_allow_private=_BOOLEANS[allow_private],
        outbound_ca_files=_paths(
            env.get(f"{ENV_PREFIX}OUTBOUND_CA_FILES") or file_values.get("outbound_ca_files")
        ),
        extra_contexts=extra_contexts,
        extra={
            k: v
            for k, v in file_values.items()
            if k not in {"database_url", "base_url", "extra_contexts", "mail_from"}
            and k not in ATTESTATION_SETTINGS
            and k not in ("wallet_provider_trust_anchors", "outbound_ca_files")
            and not k.startswith("smtp_")
        },
    )


ATTESTATION_SETTINGS = ("wallet_attestation", "key_attestation")
ATTESTATION_MODES = ("off", "optional", "required")


def _attestation_mode(value: Callable[[str], str | None], name: str) -> str:
    mode = (value(name) or "off").strip().lower()
    if mode not in ATTESTATION_MODES:
        choices = ", ".join(ATTESTATION_MODES)
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}: {mode[:40]!r} is not one of {choices}")
    return mode


def _smtp(value: Callable[[str], str | None], env: Mapping[str, str]) -> SmtpSettings | None:
    host = (value("smtp_host") or "").strip()
    if not host:
        return None
    security = (value("smtp_security") or "starttls").strip().lower()
    if security not in SMTP_SECURITY:
        raise SettingsError(
            f"{ENV_PREFIX}SMTP_SECURITY: {security[:40]!r} is not one of {', '.join(SMTP_SECURITY)}"
        )
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
    port_raw = (value("smtp_port") or str(default_port)).strip()
    if not port_raw.isdigit() or not 0 < int(port_raw) < 65536:
        raise SettingsError(f"{ENV_PREFIX}SMTP_PORT: {port_raw[:20]!r} is not a port (1-65535)")
    return SmtpSettings(
        host=host,
        port=int(port_raw),
        security=security,
        user=(value("smtp_user") or "").strip() or None,
        password=env.get(f"{ENV_PREFIX}SMTP_PASSWORD") or None,
    )


def _paths(raw: object) -> tuple[Path, ...]:
    """Files named by a setting: a TOML list, or one comma or newline separated string."""
    if raw is None:
        return ()
    if isinstance(raw, list):
        parts = [str(item) for item in raw]
    elif isinstance(raw, str):
        parts = raw.replace("\n", ",").split(",")
    else:
        raise SettingsError(
            "trust_anchors, trusted_list_signers, wallet_provider_trust_anchors, "
            "outbound_ca_files: a list of file paths (or one comma-separated string)"
        )
    return tuple(Path(part.strip()).expanduser() for part in parts if part.strip())
