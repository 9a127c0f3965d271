"""Runs one short notebook in a fresh kernel and returns what its user would see, cell by cell.

Owns: the case's private working directory, the kernel's life, reading iopub the way a
notebook front end renders it (clear_output, update_display_data), and the normalisation of
what legitimately varies between two runs. It never compares two runs and never decides
what is a difference: test_adversarial_notebooks.py does.

Everything here is plain data in and out, so a worker process can run it
(run_in_its_own_process; conftest.py runs two at a time: at most two kernels are alive at once).
"""
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil
from jupyter_client.manager import KernelManager

CELL_TIMEOUT = 90  # seconds; torch under a loaded machine imports in a few
START_TIMEOUT = 60

# Run, silently and without history, in the ipykernel reference only, before the first cell:
# ipykernel has no %%eager, %lazy or PEP 810 `lazy import`. The reference for each is what
# the user meant: the cell's code run as written, an import run as a plain import, and
# `%lazy ...` doing nothing. The `%%eager` line becomes a comment so that line numbers in
# errors stay those the user sees, unless another cell magic follows it (IPython only reads a
# cell magic on the first line).
IPYKERNEL_REFERENCE_SHIMS = r'''
def __xlazy_reference_shims():
    import io, tokenize
    from IPython.core.magic import register_line_magic

    def eager_cell(lines):
        if lines and lines[0].split() and lines[0].split()[0] == "%%eager":
            if len(lines) > 1 and lines[1].startswith("%%"):
                return lines[1:]
            return ["# %%eager\n"] + lines[1:]
        return lines

    def pep810(lines):
        source = "".join(lines)
        if "lazy" not in source or source.startswith("%%"):
            return lines  # a cell magic's body is not Python (%%writefile writes it as is)
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        except (tokenize.TokenError, SyntaxError, IndentationError):
            return lines
        at_statement_start = True
        drop = []
        for index, token in enumerate(tokens):
            if (at_statement_start and token.type == tokenize.NAME and token.string == "lazy"
                    and index + 1 < len(tokens) and tokens[index + 1].type == tokenize.NAME
                    and tokens[index + 1].string in ("import", "from")):
                drop.append(token.start)
            at_statement_start = token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT,
                                                tokenize.DEDENT) or token.string == ";"
        result = source.splitlines(keepends=True)
        for row, column in reversed(drop):
            line = result[row - 1]
            result[row - 1] = line[:column] + line[column + 4:].lstrip(" \t")
        return result

    def lazy(line):
        "ipykernel stand-in for xlazy's %lazy: does nothing."

    shell = get_ipython()
    shell.input_transformers_cleanup.extend([eager_cell, pep810])
    register_line_magic(lazy)

__xlazy_reference_shims()
del __xlazy_reference_shims
'''


# --- normalisation: only what varies between two runs of the same notebook ----------------

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Object reprs carry the object's address (`<Foo object at 0x7f...>`): different every run.
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
# IPython names a cell's code after a hash in a per-process directory
# (ipykernel: /tmp/ipykernel_<pid>/<hash>.py, xeus-python: /tmp/xpython_<pid>/<hash>.py);
# it shows in warnings and SyntaxError messages. The pid differs every run; the kernels
# differ in the directory only, which no user reads. The line number next to it is kept.
CELL_FILE = re.compile(r"(?:/tmp/[A-Za-z]+_\d+/)?\b\d{5,}\.py\b")
# %time / %%time measure the run: the numbers change every run, the lines' shape must not.
TIME_LINE = re.compile(r"^(CPU times|Wall time|Compiler time|Parser)\b.*$", re.M)
TIME_VALUE = re.compile(r"\d+(?:\.\d+)?\s*(?:ns|µs|us|ms|s)\b")
# %timeit reports mean ± std per loop; the numbers vary, the runs and loops asked for do not.
TIMEIT_LINE = re.compile(
    r"^\S+ \S+(?: ± \S+ \S+)? per loop (\(mean ± std\. dev\. of \d+ runs?, [\d,]+ loops? each\))$", re.M
)
# %timeit warns when the slowest run was much slower than the fastest: a timing accident.
TIMEIT_SLOWEST = re.compile(r"^The slowest run took .*\n(?:This could mean .*\n)?", re.M)


def normalise(text, workdirs):
    """`text` with only run-to-run variation replaced by fixed markers (see the patterns)."""
    text = ANSI_ESCAPE.sub("", text)
    # The case's private working directory is a new temporary directory every run.
    for workdir in workdirs:
        text = text.replace(workdir, "<casedir>")
    text = CELL_FILE.sub("<cell>.py", text)
    text = ADDRESS.sub("0x…", text)
    text = TIME_LINE.sub(lambda line: TIME_VALUE.sub("<t>", line.group(0)), text)
    text = TIMEIT_LINE.sub(r"<t> ± <t> per loop \1", text)
    text = TIMEIT_SLOWEST.sub("", text)
    return text


# --- what a notebook shows ----------------------------------------------------------------


class _CellView:
    """Rebuilds a cell's output area from iopub messages, as Notebook and JupyterLab do."""

    def __init__(self):
        self.outputs = []  # dicts: {"kind": stream|execute_result|display_data|error, ...}
        self.clear_pending = False

    def add(self, output):
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False
        if output["kind"] == "stream" and self.outputs and self.outputs[-1]["kind"] == "stream" \
                and self.outputs[-1]["name"] == output["name"]:
            self.outputs[-1]["text"] += output["text"]
            return
        self.outputs.append(output)

    def message(self, kind, content):
        if kind == "stream":
            self.add({"kind": "stream", "name": content["name"], "text": content["text"]})
        elif kind in ("execute_result", "display_data"):
            display_id = content.get("transient", {}).get("display_id")
            self.add({"kind": kind, "data": dict(content["data"]), "display_id": display_id})
        elif kind == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for output in self.outputs:
                if output.get("display_id") == display_id:
                    output["data"] = dict(content["data"])
        elif kind == "error":
            self.add({"kind": "error", "ename": content["ename"], "evalue": content["evalue"]})
        elif kind == "clear_output":
            if content.get("wait"):
                self.clear_pending = True
            else:
                self.outputs.clear()


def _shown(view, reply, workdirs):
    """One cell as plain data: what its user sees, normalised."""
    norm = lambda text: normalise(text, workdirs)
    cell = {"status": reply.get("status", "?"), "stdout": "", "stderr": "", "outputs": [], "error": None}
    if cell["status"] == "error":
        # The reply's ename is what a front end reports for the cell (e.g. UsageError has
        # no error output, only this); the iopub error output is kept below.
        cell["status"] = f"error {reply.get('ename', '?')}"
    for output in view.outputs:
        if output["kind"] == "stream":
            # stdout and stderr are kept apart: ipykernel flushes them independently, so
            # their interleaving varies between runs; the text of each does not.
            cell[output["name"]] += norm(output["text"])
        elif output["kind"] == "error":
            cell["error"] = norm(f"{output['ename']}: {output['evalue']}")
        else:
            data = output["data"]
            text = norm(data.get("text/plain", ""))
            if not text and set(data) <= {"text/plain"}:
                continue  # an empty display shows nothing
            cell["outputs"].append([output["kind"], sorted(data), text])
    page = [p for p in reply.get("payload", []) if p.get("source") == "page"]
    if page:
        cell["page"] = norm(page[-1]["data"].get("text/plain", ""))
    next_input = [p for p in reply.get("payload", []) if p.get("source") == "set_next_input"]
    if next_input:
        cell["next_input"] = norm(next_input[-1]["text"])
    return cell


class _Session:
    def __init__(self, kernel_name):
        self.manager = KernelManager(kernel_name=kernel_name)
        self.client = None

    def start(self, workdir, env, log):
        self.manager.start_kernel(cwd=workdir, env=env, stdout=log, stderr=log)
        self.client = self.manager.client()
        self.client.start_channels()
        self._wait_until_ready()

    def _wait_until_ready(self):
        """kernel_info until both the reply and its iopub status arrive (iopub is connected)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.manager.is_alive():
                raise RuntimeError("kernel exited during start-up")
            msg_id = self.client.kernel_info()
            try:
                while self.client.get_shell_msg(timeout=0.2)["parent_header"].get("msg_id") != msg_id:
                    pass
                while True:
                    message = self.client.get_iopub_msg(timeout=0.05)
                    if message["parent_header"].get("msg_id") == msg_id and \
                            message["content"].get("execution_state") == "idle":
                        return
            except queue.Empty:
                continue
        raise TimeoutError("kernel never answered kernel_info")

    def execute(self, code, silent=False):
        """(view, reply) for one cell; reply is None if the kernel died or timed out."""
        msg_id = self.client.execute(code, silent=silent, store_history=not silent, allow_stdin=False)
        view = _CellView()
        deadline = time.monotonic() + CELL_TIMEOUT
        while True:
            try:
                message = self.client.get_iopub_msg(timeout=1)
            except queue.Empty:
                if not self.manager.is_alive():
                    return view, {"status": "kernel died"}
                if time.monotonic() > deadline:
                    return view, {"status": "timeout"}
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "status" and message["content"]["execution_state"] == "idle":
                break
            view.message(kind, message["content"])
        while True:
            try:
                reply = self.client.get_shell_msg(timeout=CELL_TIMEOUT)
            except queue.Empty:
                return view, {"status": "no reply"}
            if reply["parent_header"].get("msg_id") == msg_id:
                return view, reply["content"]

    def close(self):
        """Kill at once: nothing of the kernel's is compared after its last cell."""
        if self.client is not None:
            self.client.stop_channels()
        process = self.manager.provisioner.process if self.manager.provisioner else None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the kernel leads its own process group
            except OSError:
                process.kill()
            process.wait()
        self.manager.cleanup_resources()


def write_files(workdir, files):
    for name, content in files.items():
        path = Path(workdir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"))


def run_notebook(kernel_name, cells, files=None, reference_shims=False, env_overrides=None):
    """Runs `cells` one after another in a fresh `kernel_name` kernel whose working directory
    is a new directory holding `files`, with `env_overrides` added to the client's environment;
    returns {"cells": [...], "log": kernel's own output}.

    Every cell runs even after an error, as a user running them one by one would.
    """
    root = Path(tempfile.mkdtemp(prefix="xlazy-compat-"))
    workdir = root / "work"
    workdir.mkdir()
    write_files(workdir, files or {})
    # pytest's variables are dropped: ipykernel stops capturing file descriptors (output of
    # subprocesses, C code, forked children) when it sees PYTEST_CURRENT_TEST.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(
        IPYTHONDIR=str(root / "ipython"),  # no user profile, history or startup files
        PYDEVD_DISABLE_FILE_VALIDATION="1",  # quiets debugpy's start-up notice in the log
    )
    env.update(env_overrides or {})
    workdirs = sorted({str(workdir), os.path.realpath(workdir)}, key=len, reverse=True)
    log_path = root / "kernel.log"
    shown = []
    session = None
    try:
        with open(log_path, "w") as log:
            for attempt in (1, 2):
                # Two kernels starting at once can be given the same free port by
                # jupyter_client; the loser exits at start-up. That is not the case's doing.
                session = _Session(kernel_name)
                try:
                    session.start(str(workdir), env, log)
                    break
                except (RuntimeError, TimeoutError) as error:
                    try:
                        session.close()
                    except Exception:
                        pass
                    session = None
                    print(f"--- start-up attempt {attempt} failed: {error}", file=log, flush=True)
                    if attempt == 2:
                        raise RuntimeError(f"{kernel_name} did not start: {log_path.read_text()[-2000:]}")
            if reference_shims:
                _, reply = session.execute(IPYKERNEL_REFERENCE_SHIMS, silent=True)
                assert reply.get("status") == "ok", f"reference shims failed: {reply}"
            for code in cells:
                view, reply = session.execute(code)
                if reply.get("status") == "aborted":
                    # A kernel may abort a request that reaches it just after an error (ipykernel
                    # does, for a moment); the cell never ran, so run it again as a user would.
                    time.sleep(0.5)
                    view, reply = session.execute(code)
                shown.append(_shown(view, reply, workdirs))
                if reply["status"] in ("kernel died", "timeout", "no reply"):
                    break
    finally:
        if session is not None:
            try:
                session.close()
            except Exception:  # a dead kernel may refuse a clean shutdown
                pass
        log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
    shown += [{"status": "not run"}] * (len(cells) - len(shown))
    return {"cells": shown, "log": log_text[-4000:]}


def run_in_its_own_process(kernel, cells, files=None, reference_shims=False, env_overrides=None, deadline=300):
    """run_notebook in a process of its own, killed with its kernel after `deadline` seconds:
    a notebook that hangs a kernel or its client fails alone."""
    request = {"kernel": kernel, "cells": list(cells), "files": files or {}, "reference_shims": reference_shims,
               "env_overrides": env_overrides or {}}
    runner = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        transcript, _ = runner.communicate(json.dumps(request), timeout=deadline)
    except subprocess.TimeoutExpired:
        # The kernel leads its own process group: take every descendant down with the runner.
        for process in psutil.Process(runner.pid).children(recursive=True) + [psutil.Process(runner.pid)]:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        runner.communicate()
        return {"cells": [], "log": f"the notebook did not finish in {deadline} s under {kernel}; killed"}
    if runner.returncode != 0:
        return {"cells": [], "log": f"the runner failed with exit status {runner.returncode} under {kernel}"}
    return json.loads(transcript)


if __name__ == "__main__":
    # One notebook per process: the request arrives as JSON on stdin and the transcript
    # leaves as JSON on stdout.
    request = json.load(sys.stdin)
    json.dump(run_notebook(request["kernel"], request["cells"], request["files"], request["reference_shims"],
                           request["env_overrides"]),
              sys.stdout)
