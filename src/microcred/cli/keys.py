"""`microcred keys ...`: key pairs for signing, stored encrypted."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import secret_key, settings, write_private_file
from microcred.cli.output import err_console, print_json
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair

app = typer.Typer(help="Create signing keys (Ed25519 or P-256) with their did:key.")


class KeyKind(StrEnum):
    ED25519 = "ed25519"
    P256 = "p256"


@app.command("new")
def new(
    out: Annotated[Path, typer.Option("--out", "-o", help="Key file to write (mode 0600).")],
    kind: Annotated[KeyKind, typer.Option("--type", help="Key type.")] = KeyKind.ED25519,
    unencrypted: Annotated[
        bool,
        typer.Option(
            help="Write the private key in clear (for exchange with other tools). "
            "By default it is encrypted with this instance's secret."
        ),
    ] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the public key as JSON.")] = False,
) -> None:
    """Generate a key pair and write it to a key file; print its did:key."""
    key = Ed25519KeyPair.generate() if kind is KeyKind.ED25519 else P256KeyPair.generate()
    did = did_key_for(key)
    vm = f"{did}#{key.public_multibase}"
    if unencrypted:
        data = key.export_private(None, allow_unencrypted=True, controller=did, id=vm)
    else:
        data = key.export_private(secret_key(settings()), controller=did, id=vm)
    write_private_file(out, json.dumps(data, indent=2) + "\n", force=force)
    public = {
        "id": vm,
        "controller": did,
        "keyType": key.key_type,
        "publicKeyMultibase": key.public_multibase,
        "file": str(out),
    }
    if as_json:
        print_json(public)
    else:
        err_console.print(
            f"Wrote {out} ({key.key_type}, {'unencrypted' if unencrypted else 'encrypted'})."
        )
        typer.echo(did)
