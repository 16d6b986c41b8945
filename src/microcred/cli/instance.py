"""The CLI's handle on the instance (settings, database, secret), with clear errors."""

from __future__ import annotations

from microcred.cli.common import settings
from microcred.cli.output import fail_usage
from microcred.services.instance import Instance, StoreError
from microcred.services.secrets import SecretKeyError


def open_instance() -> Instance:
    instance = Instance(settings())
    try:
        _ = instance.engine
        _ = instance.secret
    except (StoreError, SecretKeyError) as exc:
        fail_usage(str(exc))
    except Exception as exc:  # noqa: BLE001 - a database that cannot be opened is a usage error
        fail_usage(
            f"cannot open the database {instance.settings.database_url.split('@')[-1]}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        )
    return instance
