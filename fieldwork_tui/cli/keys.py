"""Signing keys: `fieldwork keys init|show|trust`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from fieldwork_tui.cli.common import app, command, fail, printable

keys_app = typer.Typer(help="Your signing key (who signs sign-offs and bundles) and the keys you trust.",
                       no_args_is_help=True, rich_markup_mode=None)
app.add_typer(keys_app, name="keys")


def terminal_passphrase(confirm: bool = False):
    """A passphrase prompt on the terminal, or None when there is no terminal to ask on."""
    if not sys.stdin.isatty():
        return None

    def ask() -> bytes | None:
        text = typer.prompt("passphrase of your signing key", hide_input=True, confirmation_prompt=confirm,
                            default="", show_default=False)
        return text.encode("utf-8") if text else None

    return ask


def _new_passphrase() -> bytes:
    from fieldwork_tui.services.signing import PASSPHRASE_ENV, passphrase_from_env

    secret = passphrase_from_env()
    if secret:
        return secret
    ask = terminal_passphrase(confirm=True)
    secret = ask() if ask else None
    if not secret:
        fail(f"--passphrase: no passphrase given (type it on a terminal, or set {PASSPHRASE_ENV} to a file holding it)")
    return secret


@command(keys_app, name="init")
def init(
    name: str | None = typer.Option(None, "--name", help="Who signs (default: your user name)."),
    passphrase: bool = typer.Option(False, "--passphrase", help="Protect the private key with a passphrase."),
    force: bool = typer.Option(False, "--force", help="Replace an existing key (its signatures stay valid, "
                               "but others must trust the new fingerprint)."),
    source: Path | None = typer.Option(None, "--from", help="Import an existing Ed25519 private key "
                                       "(unencrypted OpenSSH or PEM), e.g. ~/.ssh/id_ed25519."),
) -> None:
    """Create your Ed25519 signing key in the user config dir (0600)."""
    from fieldwork_tui.services.engagements import current_actor
    from fieldwork_tui.services.signing import init_key

    secret = _new_passphrase() if passphrase else None
    view = init_key(name or os.environ.get("FIELDWORK_USER") or current_actor(), passphrase=secret, force=force,
                    source=source)
    typer.echo(f"signing key for {printable(view.name)}: {view.fingerprint}")
    typer.echo(f"  private key {view.path} ({'passphrase-protected' if view.encrypted else 'no passphrase'})")
    typer.echo(f"  public key  {view.path}.pub — give it to your manager, and read them the fingerprint")


@command(keys_app, name="show")
def show() -> None:
    """Your key's fingerprint (to read out to your manager), your public key and the keys you trust."""
    from fieldwork_tui.services.signing import key_view, trusted_keys

    view = key_view()
    if view is None:  # a manager who only verifies may have none: the keys they trust still count
        typer.echo("no signing key of your own yet: run `fieldwork keys init` "
                   "(one is also created on your first sign-off or export)")
    else:
        typer.echo(f"{printable(view.name)}: {view.fingerprint}")
        typer.echo(printable(view.public_key))
        typer.echo(f"private key: {view.path} ({'passphrase-protected' if view.encrypted else 'no passphrase'})")
    trusted = trusted_keys()
    typer.echo(f"trusted keys: {len(trusted)}" + ("" if trusted else " (fieldwork keys trust PUBFILE)"))
    for t in trusted:
        typer.echo(f"  {printable(t.principal)}: {t.fingerprint}")


@command(keys_app, name="trust")
def trust(
    pubfile: Path = typer.Argument(..., help="The colleague's public key file (signing_key.pub)."),
    name: str | None = typer.Option(None, "--name", help="Name to trust it under (default: the key's comment)."),
) -> None:
    """Trust a colleague's key: `verify` and `check` then accept their signatures without --key."""
    from fieldwork_tui.services.signing import trust_key

    view = trust_key(pubfile, name or "")
    verb = "now trusted" if view.added else "already trusted"
    typer.echo(f"{verb}: {printable(view.principal)} {view.fingerprint}")
    if view.added:
        typer.echo("  compare this fingerprint with the one its owner reads you from `fieldwork keys show`")
