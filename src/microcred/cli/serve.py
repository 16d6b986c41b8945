"""`microcred serve`: the REST API with uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import settings
from microcred.cli.instance import open_instance
from microcred.cli.output import console


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    ssl_certfile: Annotated[
        Path | None,
        typer.Option(help="Serve over TLS: the certificate chain (PEM, leaf first).", exists=True),
    ] = None,
    ssl_keyfile: Annotated[
        Path | None, typer.Option(help="Serve over TLS: the private key (PEM).", exists=True)
    ] = None,
) -> None:
    """Run the REST API (OpenAPI at /docs) over this instance's database."""
    import uvicorn

    from microcred.api.log_redaction import log_config

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise typer.BadParameter("give both --ssl-certfile and --ssl-keyfile (or neither)")
    tls: dict[str, str] = (
        {"ssl_certfile": str(ssl_certfile), "ssl_keyfile": str(ssl_keyfile)} if ssl_certfile else {}
    )
    scheme = "https" if tls else "http"
    config = settings()
    open_instance().close()  # a database or secret that cannot be used is a usage error now
    from microcred.cli.verify import register_contexts

    register_contexts([], config.extra_contexts)  # a bad context file too, not a 400 later
    console.print(
        f"microcred API on {scheme}://{host}:{port}  (docs: {scheme}://{host}:{port}/docs; "
        f"public base URL {config.base_url})",
        highlight=False,
    )
    if workers > 1 or reload:
        # Several processes (or reloading) need an import string: each builds its own app.
        uvicorn.run(
            "microcred.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers if not reload else None,
            reload=reload,
            log_config=log_config(),  # no secret in any log line (share tokens, queries, headers)
            **tls,  # type: ignore[arg-type]
        )
        return
    from microcred.api import create_app

    uvicorn.run(create_app(config), host=host, port=port, log_config=log_config(), **tls)  # type: ignore[arg-type]
