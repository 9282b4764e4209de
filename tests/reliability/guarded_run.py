"""Run fieldwork commands and the app in one process with every network and out-of-place write
watched by an audit hook. Used by test_privacy.py as a subprocess (audit hooks cannot be removed).

    python guarded_run.py SPEC.json    ->  prints a JSON report on its last stdout line

SPEC: {"commands": [[argv...], ...], "app": {"engagement": slug, "keys": [...]} | null,
       "allowed_write_roots": [paths]}
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys

REPORT: dict[str, list] = {"network": [], "writes_outside": [], "results": [], "app": []}
ALLOWED: list[str] = []
NET_EVENTS = {"socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
              "socket.sendto", "socket.sendmsg", "urllib.Request", "http.client.connect", "ftplib.connect",
              "smtplib.connect", "webbrowser.open"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _allowed(path: str) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root + os.sep) for root in ALLOWED) or real.startswith("/dev/")


def _ancestor_of_allowed(path: str) -> bool:
    real = os.path.realpath(path)
    return any(root.startswith(real + os.sep) for root in ALLOWED)


def hook(event: str, args: tuple) -> None:
    if event == "socket.__new__":
        family = args[1] if len(args) > 1 else None
        if family in (socket.AF_INET, socket.AF_INET6):
            REPORT["network"].append([event, repr(args[1:])])
            raise OSError("network access blocked by the reliability suite")
    elif event in NET_EVENTS:
        detail = args[1] if event.startswith("socket.") and len(args) > 1 else (args[0] if args else "")
        if event.startswith("socket.") and isinstance(detail, str) and detail.startswith("/"):
            return  # AF_UNIX address
        REPORT["network"].append([event, repr(detail)[:200]])
        raise OSError("network access blocked by the reliability suite")
    elif event == "open" and args and isinstance(args[0], str | bytes):
        path = os.fsdecode(args[0])
        mode, flags = args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(flags & WRITE_FLAGS)
        if writing and not _allowed(path):
            REPORT["writes_outside"].append(path)
    elif event in ("os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "shutil.rmtree",
                   "os.symlink", "os.link", "os.truncate", "os.chmod"):
        target = args[1] if event in ("os.rename", "os.replace", "os.symlink", "os.link") else args[0]
        dir_fd = args[-1] if event in ("os.remove", "os.rmdir", "os.mkdir") and isinstance(args[-1], int) else None
        if dir_fd is not None and dir_fd >= 0 and isinstance(target, str | bytes):  # shutil.rmtree works by fd
            try:
                target = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), os.fsdecode(target))
            except OSError:
                pass
        if event == "os.mkdir" and isinstance(target, str | bytes) and _ancestor_of_allowed(os.fsdecode(target)):
            return  # creating the parents of the data or config dir (mkdir -p)
        if isinstance(target, str | bytes) and not _allowed(os.fsdecode(target)):
            REPORT["writes_outside"].append(f"{event}:{os.fsdecode(target)}")
    elif event == "sqlite3.connect":
        db = args[0] if args else ""
        if isinstance(db, str | bytes | os.PathLike):
            name = os.fsdecode(db)
            if name.startswith("file:"):
                name = name[5:].split("?", 1)[0]
            if name and name != ":memory:" and not _allowed(name):
                REPORT["writes_outside"].append(f"sqlite:{name}")


def run_command(argv: list[str]) -> None:
    from typer.main import get_command

    from fieldwork_tui.cli import app

    cmd = get_command(app)
    try:
        cmd.main(args=argv, prog_name="fieldwork", standalone_mode=False)
        REPORT["results"].append([argv, 0])
    except SystemExit as exc:
        REPORT["results"].append([argv, exc.code])
    except Exception as exc:  # noqa: BLE001 - reported to the test
        REPORT["results"].append([argv, f"{exc.__class__.__name__}: {exc}"])


async def run_app(spec: dict) -> None:
    from fieldwork_tui.tui.app import create_app

    app = create_app(None, spec["engagement"])
    async with app.run_test(size=(130, 40)) as pilot:
        for key in spec["keys"]:
            await pilot.press(key)
            await pilot.pause()
        REPORT["app"].append(type(app.screen).__name__)


def main() -> None:
    spec = json.loads(open(sys.argv[1]).read())
    ALLOWED.extend(os.path.realpath(p) for p in spec["allowed_write_roots"])
    sys.addaudithook(hook)
    if spec.get("selftest"):
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=0.5)
        except OSError:
            pass
        try:
            open(os.path.join(spec["selftest"], "outside.txt"), "w").close()
        except OSError:
            pass
    for argv in spec["commands"]:
        run_command(argv)
    if spec.get("app"):
        asyncio.run(run_app(spec["app"]))
    sys.stdout.write("\n" + json.dumps(REPORT) + "\n")


if __name__ == "__main__":
    main()
