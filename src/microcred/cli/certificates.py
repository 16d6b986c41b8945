"""`microcred org certificate ...`: an organisation's X.509 chain for its P-256 key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, fail_usage, print_json
from microcred.services import certificates
from microcred.services.certificates import MAX_PEM_BYTES, ChainView

app = typer.Typer(
    help="The organisation's X.509 certificate chain (x5c of SD-JWT VCs, OpenID4VP requests)."
)

OrgOption = Annotated[str, typer.Option("--org", help="Organisation slug or id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _show(view: ChainView, as_json: bool) -> None:
    if as_json:
        print_json(view.to_json())
        return
    kind = "TEST certificate (instance test CA)" if view.is_test else "imported certificate"
    console.print(
        f"[bold]{view.subject}[/] ({kind})\n"
        f"  issuer     {view.issuer}\n"
        f"  valid      {view.not_before:%Y-%m-%d} to {view.not_after:%Y-%m-%d}\n"
        f"  dns names  {', '.join(view.dns_names) or '-'}\n"
        f"  x509_hash  {view.x509_hash}\n"
        f"  chain      {view.length} certificate(s), trust anchor not included",
        highlight=False,
    )


@app.command("import")
@handles_errors("cannot import the certificate")
def import_(
    org: OrgOption,
    file: Annotated[Path, typer.Argument(help="PEM file: the leaf first, then its issuers.")],
    as_json: JsonOption = False,
) -> None:
    """Import a PEM chain for the organisation's P-256 key (see `certificate request`)."""
    try:
        if file.stat().st_size > MAX_PEM_BYTES:
            fail_usage(f"{file}: larger than 64 KiB; is it a certificate chain?")
        data = file.read_bytes()
    except OSError as exc:
        fail_usage(f"{file}: cannot be read ({exc.strerror})")
    _show(certificates.import_chain(open_instance(), org, data), as_json)


@app.command("make-test")
@handles_errors("cannot make a test certificate")
def make_test(org: OrgOption, as_json: JsonOption = False) -> None:
    """Have the instance's TEST CA issue a chain (for demos and tests only)."""
    _show(certificates.make_test_chain(open_instance(), org), as_json)


@app.command("show")
@handles_errors()
def show(
    org: OrgOption,
    as_json: JsonOption = False,
    pem: Annotated[bool, typer.Option("--pem", help="Print the chain as PEM.")] = False,
) -> None:
    """Show the organisation's certificate chain."""
    view = certificates.chain_view(open_instance(), org)
    if view is None:
        if as_json:
            print_json(None)
            return
        fail_usage(
            "the organisation has no certificate: import one with `microcred org certificate "
            "import`, or make a test one with `microcred org certificate make-test`"
        )
    if pem:
        typer.echo(view.pem, nl=False)
        return
    _show(view, as_json)


@app.command("request")
@handles_errors()
def request(
    org: OrgOption,
    out: Annotated[Path | None, typer.Option("--out", help="Write the PEM here.")] = None,
) -> None:
    """A certificate signing request (PKCS#10) for the organisation's P-256 key, for a CA."""
    csr = certificates.request_for(open_instance(), org)
    if out is None:
        typer.echo(csr.decode("ascii"), nl=False)
    else:
        out.write_bytes(csr)
        console.print(f"Wrote {out}", highlight=False)


@app.command("test-ca")
@handles_errors()
def test_ca(
    out: Annotated[Path | None, typer.Option("--out", help="Write the PEM here.")] = None,
) -> None:
    """The instance's TEST CA root certificate (PEM), for a test wallet's trust anchors."""
    from microcred.proofs.x509 import to_pem

    pem = to_pem([certificates.test_ca(open_instance()).root])
    if out is None:
        typer.echo(pem.decode("ascii"), nl=False)
    else:
        out.write_bytes(pem)
        console.print(f"Wrote {out}", highlight=False)
