"""xlazy as the default kernel of a JupyterHub, set up the way an admin would.

Each Hub here is Debian's JupyterHub 3 (DummyAuthenticator with a password,
SimpleLocalProcessSpawner, the npm configurable-http-proxy from tests/e2e/node_modules)
running the admin settings of tests/e2e/jupyterhub_config.py, with xlazy installed by
`cmake --install` into a temporary prefix. A user logs in through the login form, starts
their server (Debian's Notebook 6 behind jupyterhub-singleuser) through the Hub API as the
Hub's pages do, and talks to a kernel over its websocket with the Jupyter message protocol
(v5, JSON frames), as a notebook page does.

Cleanup: every process of a Hub carries XLAZY_E2E_HUB=<its run directory> in its
environment (the Hub hands its environment to the proxy, the spawner sets it for the user
servers, and they hand theirs to kernels). Stopping a Hub stops the user servers through
the API, then the Hub itself (which stops its proxy); whatever still carries the marker
afterwards is killed and reported as a failure.
"""
import ast
import asyncio
import ctypes
import html
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psutil
import pytest
import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

HERE = Path(__file__).resolve().parent
ADMIN_CONFIG = HERE / "jupyterhub_config.py"
PROXY_PROGRAM = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
BUILD_DIR = os.environ.get("XLAZY_BUILD_DIR", str(HERE.parents[1] / "build"))


@dataclass(frozen=True)
class HubStack:
    """Which JupyterHub and single-user server run, by full path: another jupyterhub on PATH
    (pyenv, conda) is not the one tested. `harness_lines` are what that version of the Hub
    needs on top of the common harness settings."""

    jupyterhub: str
    singleuser: str
    harness_lines: tuple = ()


# Debian 12: JupyterHub 3.0 with Notebook 6 user servers.
DEBIAN_STACK = HubStack("/usr/bin/jupyterhub", "/usr/bin/jupyterhub-singleuser")

MARKER = "XLAZY_E2E_HUB"
PASSWORD = "lazy-hub-password"
HUB_START_TIMEOUT = 90
SERVER_START_TIMEOUT = 120
REQUEST_TIMEOUT = 60
CELL_TIMEOUT = 90
STOP_TIMEOUT = 45


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_when_the_test_dies():
    """Runs in the Hub's process before exec: if pytest is killed (a ctest timeout), the kernel
    sends the Hub SIGTERM, and the Hub stops its proxy and user servers as on a normal stop."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def processes_of(run_dir):
    """Live processes carrying this Hub's marker: the Hub, its proxy, user servers, kernels."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARKER) == str(run_dir) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


def describe(process):
    try:
        return f"{process.pid} {' '.join(process.cmdline())[:200]}"
    except psutil.Error:
        return f"{process.pid} (gone)"


def kind_of(process, xlazy_prefix, stack=DEBIAN_STACK):
    """Which program of a Hub `process` runs, from its command line."""
    command = process.cmdline()
    programs = {stack.jupyterhub: "jupyterhub", stack.singleuser: "jupyterhub-singleuser",
                str(xlazy_prefix / "bin" / "xlazy"): "xlazy"}
    for part in command[:2]:  # interpreter scripts show as [python3, script, ...]
        if part in programs:
            return programs[part]
        if "configurable-http-proxy" in part:
            return "configurable-http-proxy"
    return " ".join(command)


class Hub:
    """One JupyterHub with its proxy, in a directory of its own, on free ports."""

    def __init__(self, run_dir, xlazy_prefix, environment_overrides=None, stack=DEBIAN_STACK):
        self.run_dir = run_dir
        self.stack = stack
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log_path = run_dir / "hub.log"
        self.config_path = run_dir / "jupyterhub_config.py"
        # A service token lets teardown stop servers whatever state the users' sessions are in.
        self.token = secrets.token_hex(24)
        self.users_with_servers = set()
        self.process = None
        self.config_path.write_text(self.harness_config(xlazy_prefix, environment_overrides or {}))

    def harness_config(self, xlazy_prefix, environment_overrides):
        """The admin's file, then only what a throwaway Hub on this machine needs."""
        run_dir = self.run_dir
        lines = [
            "# Written by tests/e2e/test_jupyterhub.py for one test Hub.",
            "c = get_config()  # noqa: F821",
            f"load_subconfig({str(ADMIN_CONFIG)!r})  # noqa: F821 -- the admin's settings, unchanged",
            "",
            "# Reachable from this machine only, on free ports.",
            f"c.JupyterHub.bind_url = {self.url!r}",
            f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{free_port()}'",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'",
            # Debian's node-configurable-http-proxy fails under Node 20; the npm one works.
            f"c.ConfigurableHTTPProxy.command = [{str(PROXY_PROGRAM)!r}]",
            f"c.ConfigurableHTTPProxy.pid_file = {str(run_dir / 'proxy.pid')!r}",
            "",
            "# Everything the Hub writes stays in this run's directory.",
            f"c.JupyterHub.db_url = 'sqlite:///{run_dir / 'jupyterhub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = {str(run_dir / 'cookie_secret')!r}",
            "",
            "# Any user name with this password; users need no system account.",
            "c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'",
            f"c.DummyAuthenticator.password = {PASSWORD!r}",
            "c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'",
            f"c.SimpleLocalProcessSpawner.home_dir_template = {str(run_dir / 'home' / '{username}')!r}",
            f"c.Spawner.cmd = [{self.stack.singleuser!r}]",
            "# A user server starting on a loaded 2-core machine can take longer than the defaults.",
            "c.Spawner.start_timeout = 120",
            "c.Spawner.http_timeout = 120",
            "# jupyter_server shuts its kernels down after SIGTERM; the default 5 s before SIGKILL",
            "# can cut that short on a loaded machine and orphan a kernel.",
            "c.Spawner.term_timeout = 30",
            "# User servers run as the Hub's user; Notebook refuses root (CI's user) without this.",
            "c.Spawner.args.append('--allow-root')",
            "",
            "# xlazy went to a temporary prefix, not the admin's; the marker finds our processes.",
            f"c.Spawner.environment.update({{'JUPYTER_PATH': {str(xlazy_prefix / 'share' / 'jupyter')!r},"
            f" {MARKER!r}: {str(run_dir)!r}}})",
            *(["# What this test changes in the admin's settings.",
               f"c.Spawner.environment.update({environment_overrides!r})"] if environment_overrides else []),
            "",
            *self.stack.harness_lines,
            "# A service allowed to start and stop anyone's server, for teardown.",
            f"c.JupyterHub.services = [{{'name': 'e2e-teardown', 'api_token': {self.token!r}}}]",
            "c.JupyterHub.load_roles = [{'name': 'e2e-teardown', 'scopes': ['admin:users', 'admin:servers'],"
            " 'services': ['e2e-teardown']}]",
        ]
        return "\n".join(lines) + "\n"

    def log_tail(self, lines=60):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def start(self):
        # The Hub gets no JUPYTER_* from ctest: the user servers must find xlazy through the
        # spawner's environment, as on a real Hub.
        env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
        env[MARKER] = str(self.run_dir)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [self.stack.jupyterhub, "-f", str(self.config_path)],
                cwd=self.run_dir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so teardown can kill it whole
                preexec_fn=stop_when_the_test_dies,
            )
        deadline = time.monotonic() + HUB_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"jupyterhub exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                # Through the proxy: answers once both the proxy and the Hub are up.
                if requests.get(f"{self.url}/hub/api/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the Hub did not answer within {HUB_START_TIMEOUT} s:\n{self.log_tail()}")

    def api(self, method, path, **kwargs):
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=REQUEST_TIMEOUT,
                                headers={"Authorization": f"token {self.token}"}, **kwargs)

    def stop_server(self, name):
        response = self.api("DELETE", f"/users/{name}/server")
        assert response.status_code in (202, 204, 400), response.text  # 400: it was not running
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{name}").json()
            if not model["servers"] and model["pending"] is None:
                return
            time.sleep(0.2)
        raise AssertionError(f"{name}'s server did not stop within {STOP_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self):
        """Stop everything of this Hub; return what went wrong (empty when all stopped cleanly)."""
        problems = []
        if self.process is not None and self.process.poll() is None:
            for name in sorted(self.users_with_servers):
                try:
                    self.stop_server(name)
                except Exception as error:  # the Hub's own shutdown below still stops the server
                    problems.append(f"stopping {name}'s server through the API: {error}")
            self.process.send_signal(signal.SIGTERM)  # the Hub stops its proxy and remaining servers
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                problems.append(f"jupyterhub ignored SIGTERM for {STOP_TIMEOUT} s")
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Processes may take a moment to exit after their parent told them to.
        deadline = time.monotonic() + 10
        while (strays := processes_of(self.run_dir)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for process in strays:
            problems.append(f"still running after the Hub stopped: {describe(process)}")
            try:
                process.kill()
            except psutil.Error:
                pass
        if problems:
            problems.append(f"Hub log:\n{self.log_tail()}")
        return problems


@contextmanager
def running_hub(run_dir, xlazy_prefix, environment_overrides=None, stack=DEBIAN_STACK):
    """A started Hub; on leaving, everything of it is stopped, and strays fail the test."""
    assert PROXY_PROGRAM.exists(), f"{PROXY_PROGRAM} is missing: run `npm ci` in {HERE}"
    hub = Hub(run_dir, xlazy_prefix, environment_overrides, stack)
    try:
        hub.start()
        yield hub
    finally:
        problems = hub.stop()
    assert not problems, "\n".join(problems)


class HubUser:
    """One user of the Hub, making the HTTP requests the Hub's and the server's pages make."""

    def __init__(self, hub, name):
        self.hub = hub
        self.name = name
        self.browser = requests.Session()  # keeps the cookies, as a browser does
        self.server_url = f"{hub.url}/user/{name}"

    def log_in(self, password=PASSWORD):
        """Fill in the login form; True when the Hub accepted the password."""
        form = self.browser.get(f"{self.hub.url}/hub/login", timeout=REQUEST_TIMEOUT)
        assert form.status_code == 200 and 'name="password"' in form.text
        # Not following the redirect: after login the Hub would send the user on to spawn a server.
        fields = {"username": self.name, "password": password}
        # JupyterHub 4.1+ wants the form's _xsrf field back.
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        if xsrf:
            fields["_xsrf"] = html.unescape(xsrf.group(1))
        answer = self.browser.post(f"{self.hub.url}/hub/login", allow_redirects=False, timeout=REQUEST_TIMEOUT,
                                   data=fields)
        return answer.status_code == 302 and "jupyterhub-hub-login" in self.browser.cookies

    def hub_api(self, method, path):
        # The Hub accepts its login cookie for API calls only from its own pages: JupyterHub 3
        # checks the Referer, later versions the _xsrf cookie echoed in X-XSRFToken.
        headers = {"Referer": f"{self.hub.url}/hub/home"}
        xsrf = [cookie.value for cookie in self.browser.cookies if cookie.name == "_xsrf" and cookie.path.startswith("/hub")]
        if xsrf:
            headers["X-XSRFToken"] = xsrf[0]
        return self.browser.request(method, f"{self.hub.url}/hub/api{path}", timeout=REQUEST_TIMEOUT, headers=headers)

    def start_server(self):
        """Start the server as the Hub's home page does, and open it to get its cookies."""
        self.hub.users_with_servers.add(self.name)
        answer = self.hub_api("POST", f"/users/{self.name}/server")
        assert answer.status_code in (201, 202), answer.text
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            server = self.hub_api("GET", f"/users/{self.name}").json()["servers"].get("")
            if server and server["ready"]:
                break
            assert time.monotonic() < deadline, f"server not ready:\n{self.hub.log_tail()}"
            time.sleep(0.2)
        # The first visit goes through the Hub's OAuth and back; the server then sets its
        # own login cookie and the _xsrf cookie its API wants echoed in X-XSRFToken.
        page = self.browser.get(f"{self.server_url}/tree", timeout=REQUEST_TIMEOUT)
        assert page.status_code == 200 and page.url.startswith(f"{self.server_url}/tree"), page.url

    def stop_server(self):
        answer = self.hub_api("DELETE", f"/users/{self.name}/server")
        assert answer.status_code in (202, 204), answer.text
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.hub_api("GET", f"/users/{self.name}").json()["servers"]:
            assert time.monotonic() < deadline, f"server did not stop:\n{self.hub.log_tail()}"
            time.sleep(0.2)

    def xsrf_token(self):
        server_path = f"/user/{self.name}/"
        for cookie in self.browser.cookies:
            if cookie.name == "_xsrf" and server_path.startswith(cookie.path):
                return cookie.value
        raise AssertionError(f"no _xsrf cookie for {server_path}: {self.browser.cookies}")

    def server_api(self, method, path, **kwargs):
        return self.browser.request(method, f"{self.server_url}/api{path}", timeout=REQUEST_TIMEOUT,
                                    headers={"X-XSRFToken": self.xsrf_token()}, **kwargs)

    def cookie_header(self, url):
        return self.browser.prepare_request(requests.Request("GET", url)).headers.get("Cookie", "")


@dataclass
class CellOutput:
    """What a notebook shows for one cell, plus the execute_reply."""

    reply: dict
    stdout: str = ""
    stderr: str = ""
    results: list = field(default_factory=list)  # execute_result data dicts
    displays: list = field(default_factory=list)  # display_data data dicts

    @property
    def text(self):
        assert self.results, f"cell produced no result: {self}"
        return self.results[-1]["text/plain"]


class KernelSocket:
    """A kernel's /channels websocket on the user's server, used from synchronous tests."""

    def __init__(self, user, kernel_id):
        self.session_id = uuid.uuid4().hex
        self.username = user.name
        http_url = f"{user.server_url}/api/kernels/{kernel_id}/channels"
        request = HTTPRequest(http_url.replace("http://", "ws://", 1) + f"?session_id={self.session_id}",
                              headers={"Cookie": user.cookie_header(http_url)})
        # A loop of our own: tornado's websocket client is asynchronous, the tests are not.
        self.loop = asyncio.new_event_loop()
        self.connection = self.wait(lambda: websocket_connect(request), REQUEST_TIMEOUT)

    def wait(self, start, timeout):
        """Run `start()` on our loop and wait for what it returns. tornado ties its futures to
        the loop running when they are made, so they must be made inside it."""
        async def with_timeout():
            return await asyncio.wait_for(start(), timeout)
        return self.loop.run_until_complete(with_timeout())

    def send(self, msg_type, content, channel="shell"):
        header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": self.username,
                  "session": self.session_id, "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"}
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
                   "channel": channel, "buffers": []}
        self.wait(lambda: self.connection.write_message(json.dumps(message)), REQUEST_TIMEOUT)
        return header["msg_id"]

    def replies_to(self, msg_id, deadline):
        """Messages whose parent is `msg_id`, as they arrive, until `deadline`."""
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no complete answer to {msg_id} in time"
            frame = self.wait(self.connection.read_message, remaining)
            assert frame is not None, "the server closed the kernel websocket"
            if isinstance(frame, bytes):  # binary frames carry buffers; no test here sends any
                continue
            message = json.loads(frame)
            if message["parent_header"].get("msg_id") == msg_id:
                yield message

    def kernel_info(self):
        msg_id = self.send("kernel_info_request", {})
        for message in self.replies_to(msg_id, time.monotonic() + CELL_TIMEOUT):
            if message["channel"] == "shell":
                return message["content"]

    def execute(self, code):
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        # The reply (shell) and the idle status (iopub) can come in either order.
        reply, idle = None, False
        collected = []
        for message in self.replies_to(msg_id, time.monotonic() + CELL_TIMEOUT):
            if message["channel"] == "shell":
                reply = message["content"]
            elif message["channel"] == "iopub":
                collected.append(message)
                idle = message["msg_type"] == "status" and message["content"]["execution_state"] == "idle"
            if reply is not None and idle:
                break
        output = CellOutput(reply=reply)
        for message in collected:
            content, kind = message["content"], message["msg_type"]
            if kind == "stream":
                setattr(output, content["name"], getattr(output, content["name"]) + content["text"])
            elif kind == "execute_result":
                output.results.append(content["data"])
            elif kind == "display_data":
                output.displays.append(content["data"])
        return output

    def value(self, expression):
        output = self.execute(expression)
        assert output.reply["status"] == "ok", output
        return output.text

    def close(self):
        self.connection.close()
        # Run the loop until the closing handshake is over (read_message answers None), so
        # tornado's reader task ends before its loop does.
        try:
            while self.wait(self.connection.read_message, 5) is not None:
                pass
        except asyncio.TimeoutError:
            pass

        async def cancel_leftovers():
            leftovers = asyncio.all_tasks() - {asyncio.current_task()}
            for task in leftovers:
                task.cancel()
            await asyncio.gather(*leftovers, return_exceptions=True)
        self.loop.run_until_complete(cancel_leftovers())
        self.loop.close()


def lazy_status(kernel):
    return ast.literal_eval(kernel.value("%lazy status --json"))


@contextmanager
def new_kernel(user):
    """A kernel started the way a notebook without kernel metadata starts one: no name given."""
    created = user.server_api("POST", "/kernels", data=b"")
    assert created.status_code == 201, created.text
    model = created.json()
    kernel = KernelSocket(user, model["id"])
    kernel.model = model
    try:
        yield kernel
    finally:
        kernel.close()
        user.server_api("DELETE", f"/kernels/{model['id']}")


@pytest.fixture(scope="module")
def xlazy_prefix(tmp_path_factory):
    """xlazy installed as an admin would, into a prefix Jupyter does not search by itself."""
    prefix = tmp_path_factory.mktemp("xlazy-prefix")
    installed = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return prefix


@pytest.fixture(scope="module")
def hub(tmp_path_factory, xlazy_prefix):
    with running_hub(tmp_path_factory.mktemp("hub"), xlazy_prefix) as running:
        yield running


@pytest.fixture(scope="module")
def alice(hub):
    """A user logged in through the form, with a running server."""
    user = HubUser(hub, "alice")
    assert user.log_in()
    user.start_server()
    return user


@pytest.fixture
def kernel(alice):
    with new_kernel(alice) as started:
        yield started


def test_login_form_checks_the_password(hub):
    assert not HubUser(hub, "mallory").log_in(password="wrong")
    assert HubUser(hub, "bob").log_in()


def test_a_kernel_started_without_a_name_is_the_installed_xlazy(alice, kernel, xlazy_prefix):
    specs = alice.server_api("GET", "/kernelspecs").json()
    assert specs["default"] == "xlazy"
    assert specs["kernelspecs"]["xlazy"]["spec"]["display_name"] == "Python 3 (xlazy)"
    assert kernel.model["name"] == "xlazy"
    info = kernel.kernel_info()
    assert info["implementation"] == "xlazy"
    assert info["language_info"]["name"] == "python"
    # The kernel found through the spawner's JUPYTER_PATH, not one from the build tree.
    assert kernel.execute("import sys; print(sys.argv[0])").stdout == f"{xlazy_prefix / 'bin' / 'xlazy'}\n"


def test_a_cell_runs_and_lazy_status_is_displayed(kernel):
    output = kernel.execute("print('hello from the hub')\n6 * 7")
    assert output.reply["status"] == "ok"
    assert output.stdout == "hello from the hub\n"
    assert output.text == "42"
    assert kernel.execute("import wave").reply["status"] == "ok"
    [display] = kernel.execute("%lazy status").displays
    text, html = display["text/plain"], display["text/html"]
    assert "import wave" in text and "pending" in text
    assert text.rstrip().endswith("lazy mode: cell")
    assert html.startswith("<table") and "<td>pending</td>" in html


def test_the_admin_mode_and_exclusions_reach_the_kernel(kernel):
    assert lazy_status(kernel)["mode"] == "cell"
    assert "statistics: excluded by you" in kernel.execute("%lazy exclude").stdout
    kernel.execute("import statistics\nimport wave")
    states = {entry["name"]: (entry["state"], entry["reason"]) for entry in lazy_status(kernel)["imports"]}
    assert states["statistics"] == ("eager", "excluded (statistics): excluded by you")
    assert states["wave"] == ("pending", "")


def test_a_hub_configured_with_mode_off_imports_eagerly_and_stops_cleanly(tmp_path, xlazy_prefix):
    run_dir = tmp_path / "hub-off"
    run_dir.mkdir()
    # What the admin changes in jupyterhub_config.py to turn deferral off for everyone.
    with running_hub(run_dir, xlazy_prefix, {"XLAZY_MODE": "off"}) as hub:
        carol = HubUser(hub, "carol")
        assert carol.log_in()
        carol.start_server()
        created = carol.server_api("POST", "/kernels", data=b"")
        assert created.status_code == 201, created.text
        kernel = KernelSocket(carol, created.json()["id"])
        try:
            assert kernel.kernel_info()["implementation"] == "xlazy"
            assert lazy_status(kernel)["mode"] == "off"
            assert kernel.value("import wave\ntype(wave).__name__") == "'module'"
            # The marker reaches every kind of process, so the checks for strays below and
            # in running_hub see everything a Hub starts.
            kinds = {kind_of(process, xlazy_prefix) for process in processes_of(run_dir)}
            assert kinds == {"jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser", "xlazy"}
            # "Stop My Server" with the kernel still running: the server ends its kernels.
            carol.stop_server()
            left = {kind_of(process, xlazy_prefix) for process in processes_of(run_dir)}
            assert left == {"jupyterhub", "configurable-http-proxy"}
        finally:
            kernel.close()
    assert not processes_of(run_dir)
