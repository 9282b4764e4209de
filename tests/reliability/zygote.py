"""The real CLI in a separate process, without paying for its start-up each time.

The reliability suite runs `python -m fieldwork_tui ...` as a real process: it is killed with SIGKILL,
holds locks, fills disks, and its exit code and stderr are what the auditor would see. Each such
process spent about a second of CPU importing the same modules (SQLAlchemy, SQLModel, typer, the
models) before doing its few milliseconds of work - most of the reliability suite's CPU.

Here one server process per test worker imports the CLI once, then forks a fresh child for each
command: the child has its own pid, its own stdin/stdout/stderr (the test's pipes, passed over a Unix
socket), the test's environment and working folder, and runs the CLI exactly as `python -m
fieldwork_tui` does (`runpy`, `sys.argv`, exit code, traceback on an uncaught error, atexit handlers).
The test waits for it and reads its exit status and output as with `subprocess.run` (`run` returns a
CompletedProcess; `ForkedCLI` has the part of `subprocess.Popen`'s interface that needs). The tests
that kill the CLI at random points start a new interpreter (`helpers.popen_cli`): their kill points
were chosen for a whole process, start-up included.

An environment that changes how the interpreter itself starts (PYTHON* variables other than
PYTHONDONTWRITEBYTECODE, the locale) cannot be given to a forked child; `compatible` says so and the
caller starts a real interpreter instead.

Run as a script, this file is the server: `python zygote.py SOCKET`.
"""

from __future__ import annotations

import array
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

_MAX_FDS = 3
#: Environment variables read when an interpreter starts (a fork cannot apply them) - apart from
#: PYTHONDONTWRITEBYTECODE, which the child applies itself.
_STARTUP_VARS = ("PYTHON", "LC_", "LANG")


def _send_fds(sock: socket.socket, data: bytes, fds: list[int]) -> None:
    sock.sendmsg([struct.pack("!I", len(data)) + data],
                 [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError("zygote connection closed")
        out += chunk
    return out


def _recv_fds(sock: socket.socket) -> tuple[bytes, list[int]]:
    fds = array.array("i")
    msg, ancdata, _flags, _addr = sock.recvmsg(4, socket.CMSG_LEN(_MAX_FDS * fds.itemsize))
    for level, kind, cdata in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(cdata[: len(cdata) - (len(cdata) % fds.itemsize)])
    (size,) = struct.unpack("!I", msg + _recv_exact(sock, 4 - len(msg)))
    return _recv_exact(sock, size), list(fds)


# -- the server ---------------------------------------------------------------------------------------

def _child(request: dict, fds: list[int]) -> int:
    """In the forked child: become `python -m fieldwork_tui ARGS` with the test's fds, env and cwd."""
    import atexit
    import random
    import runpy
    import traceback

    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    random.seed()
    sys.argv = ["fieldwork_tui", *request["args"]]
    code = 0
    try:
        runpy.run_module("fieldwork_tui", run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        if exit_.code is None:
            code = 0
        elif isinstance(exit_.code, int):
            code = exit_.code
        else:
            print(exit_.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught exception
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
        threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, as at interpreter exit
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed pipe: nothing more to say
                pass
    return code


def _serve_one(conn: socket.socket, listener: socket.socket) -> None:
    request, fds = _recv_fds(conn)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            listener.close()
            conn.close()
            code = _child(json.loads(request), fds)
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    conn.sendall(f"{pid}\n".encode())

    def reap() -> None:
        _, status = os.waitpid(pid, 0)
        try:
            conn.sendall(f"{status}\n".encode())
        finally:
            conn.close()

    threading.Thread(target=reap, daemon=True).start()


def serve(path: str) -> None:
    import fieldwork_tui.cli  # noqa: F401 - the imports every child then has for free (its __main__ runs in the child)

    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    listener.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == parent:  # the test worker went away: so does its server
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        conn.settimeout(None)
        _serve_one(conn, listener)


# -- the client ---------------------------------------------------------------------------------------

class _Server:
    """This test worker's server, started on first use (and stopped with the worker)."""

    _lock = threading.Lock()
    _proc: subprocess.Popen | None = None
    _path: str | None = None
    _env: dict[str, str] | None = None

    @classmethod
    def address(cls, env: dict[str, str]) -> str:
        with cls._lock:
            if cls._proc is None or cls._proc.poll() is not None:
                import atexit
                import tempfile

                folder = tempfile.mkdtemp(prefix="fw-zygote-")
                cls._path = os.path.join(folder, "s")
                cls._env = {k: v for k, v in env.items() if k.startswith(_STARTUP_VARS)}
                cls._proc = subprocess.Popen([sys.executable, __file__, cls._path], env=env,
                                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
                line = cls._proc.stdout.readline()
                if line.strip() != "ready":
                    raise RuntimeError(f"the CLI fork server did not start: {line!r}")
                atexit.register(cls._proc.kill)
            return cls._path

    @classmethod
    def startup_env(cls) -> dict[str, str] | None:
        return cls._env


def compatible(env: dict[str, str]) -> bool:
    """A forked child can run with `env` (it starts the interpreter as the server's did)."""
    startup = {k: v for k, v in env.items() if k.startswith(_STARTUP_VARS) and k != "PYTHONDONTWRITEBYTECODE"}
    known = _Server.startup_env()
    if known is None:
        return True  # the server will be started with this environment
    return startup == {k: v for k, v in known.items() if k != "PYTHONDONTWRITEBYTECODE"}


class ForkedCLI:
    """A CLI process forked by the server: `pid`, `args`, `returncode`, `stdout`/`stderr` (text, when
    piped), `poll`, `wait`, `communicate`, `send_signal`, `kill`, `terminate` - as `subprocess.Popen`."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: str | None = None,
                 stdin: int | None = None, stdout: int | None = None, stderr: int | None = None,
                 text: bool = True) -> None:
        self.args = [sys.executable, "-m", "fieldwork_tui", *args]
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None
        ours, theirs = [], []  # (our end, child's fd) per stream
        for stream, mode in ((stdin, "w"), (stdout, "r"), (stderr, "r")):
            if stream == subprocess.PIPE:
                r, w = os.pipe()
                ours.append(w if mode == "w" else r)
                theirs.append(r if mode == "w" else w)
            elif stream == subprocess.DEVNULL or (stream is None and mode == "w"):
                ours.append(None)
                theirs.append(os.open(os.devnull, os.O_RDWR))
            elif stream is None:
                ours.append(None)
                theirs.append(os.dup(1 if mode == "r" and len(theirs) == 1 else 2 if len(theirs) == 2 else 0))
            else:
                ours.append(None)
                theirs.append(os.dup(stream if isinstance(stream, int) else stream.fileno()))
        self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._conn.connect(_Server.address(env))
        try:
            request = {"args": list(args), "env": env, "cwd": cwd or os.getcwd()}
            _send_fds(self._conn, json.dumps(request).encode(), theirs)
        finally:
            for fd in theirs:
                os.close(fd)
        self._buffer = b""
        self.pid = int(self._line(None))
        for name, fd, mode in zip(("stdin", "stdout", "stderr"), ours, "wrr", strict=True):
            if fd is not None:
                setattr(self, name, os.fdopen(fd, mode if text else mode + "b"))

    def _line(self, timeout: float | None) -> bytes:
        """The server's next line: the child's pid, then its wait status once it has ended."""
        import select
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self._conn], [], [], left)[0]:
                raise subprocess.TimeoutExpired(self.args, timeout)
            chunk = self._conn.recv(64)
            if not chunk:
                raise RuntimeError("the CLI fork server went away")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.wait(0)
            except subprocess.TimeoutExpired:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            status = int(self._line(timeout))
            self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            self._conn.close()
        return self.returncode

    def communicate(self, input: str | bytes | None = None, timeout: float | None = None):  # noqa: A002
        results: dict[str, str | bytes] = {}

        def drain(name: str) -> None:
            stream = getattr(self, name)
            results[name] = stream.read()
            stream.close()

        threads = [threading.Thread(target=drain, args=(n,), daemon=True)
                   for n in ("stdout", "stderr") if getattr(self, n) is not None]
        for t in threads:
            t.start()
        if self.stdin is not None:
            try:
                if input:
                    self.stdin.write(input)
                self.stdin.close()
            except BrokenPipeError:
                pass
        for t in threads:
            t.join(timeout)
            if t.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(timeout)
        return results.get("stdout"), results.get("stderr")

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __enter__(self) -> ForkedCLI:
        return self

    def __exit__(self, *exc: object) -> None:
        for stream in (self.stdout, self.stderr, self.stdin):
            if stream is not None:
                stream.close()
        self.wait()


def run(args: list[str], env: dict[str, str], timeout: float | None = None, input: str | None = None,  # noqa: A002
        cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    proc = ForkedCLI(args, env, cwd=cwd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


if __name__ == "__main__":
    serve(sys.argv[1])
