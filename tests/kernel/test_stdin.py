"""input() and getpass(): what the cell printed comes before the prompt; when the front end
allows no stdin, IPython's StdinNotImplementedError with ipykernel's message, with or
without deferral."""
import queue

import pytest

RAW_INPUT = "raw_input was called, but this frontend does not support input requests."
GETPASS = "getpass was called, but this frontend does not support input requests."


@pytest.mark.parametrize(
    "code, message",
    [("input('name? ')", RAW_INPUT), ("import getpass; getpass.getpass('secret? ')", GETPASS)],
    ids=["input", "getpass"],
)
def test_reading_stdin_without_front_end_support_raises_stdin_not_implemented(kernel_in_each_mode, code, message):
    result = kernel_in_each_mode.execute(code, allow_stdin=False)
    assert result.status == "error"
    assert (result.reply["ename"], result.reply["evalue"]) == ("StdinNotImplementedError", message)


def test_code_can_catch_stdin_not_implemented(kernel_in_each_mode):
    code = (
        "from IPython.core.error import StdinNotImplementedError\n"
        "try:\n"
        "    answer = input('name? ')\n"
        "except StdinNotImplementedError:\n"
        "    answer = 'default'\n"
        "answer"
    )
    assert kernel_in_each_mode.execute(code, allow_stdin=False).text == "'default'"


def test_input_in_a_thread_without_stdin_support_raises_stdin_not_implemented(kernel_in_each_mode):
    code = (
        "import threading\n"
        "caught = []\n"
        "def ask():\n"
        "    try:\n"
        "        input('from a thread')\n"
        "    except Exception as error:\n"
        "        caught.append(type(error).__name__)\n"
        "t = threading.Thread(target=ask); t.start(); t.join()\n"
        "caught"
    )
    assert kernel_in_each_mode.execute(code, allow_stdin=False).text == "['StdinNotImplementedError']"


def test_input_still_asks_a_front_end_that_allows_stdin(kernel_in_each_mode):
    kernel_in_each_mode.execute("input('refused')", allow_stdin=False)
    result = kernel_in_each_mode.execute("print('got', input('Your name: '))", allow_stdin=True, stdin_answers=["Ada"])
    assert result.stdout == "got Ada\n"


def test_input_in_a_forked_child_raises_instead_of_answering_empty(kernel_in_each_mode):
    code = (
        "import os\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    try:\n"
        "        print('child got', repr(input('from the child')))\n"
        "    except Exception as error:\n"
        "        print('child raised', type(error).__name__)\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print('asked in the parent:', input('from the kernel'))"
    )
    result = kernel_in_each_mode.execute(code, allow_stdin=True, stdin_answers=["yes"])
    prompts = [m["content"]["prompt"] for m in result.messages if m["msg_type"] == "input_request"]
    assert prompts == ["from the kernel"]
    assert result.stdout == "child raised StdinNotImplementedError\nasked in the parent: yes\n"


def test_what_the_cell_printed_is_published_before_the_prompt(kernel):
    msg_id = kernel.client.execute("print('before the prompt')\nanswer = input('name? ')", allow_stdin=True)
    assert kernel.client.get_stdin_msg(timeout=30)["content"]["prompt"] == "name? "
    # Already sent: well within the 0.2 s that coalesced output may otherwise wait.
    printed = ""
    try:
        while not printed:
            message = kernel.client.get_iopub_msg(timeout=0.1)
            if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
                printed = message["content"]["text"]
    except queue.Empty:
        pass
    kernel.client.input("Ada")
    assert kernel.shell_reply(msg_id)["status"] == "ok"
    assert printed == "before the prompt\n"
    assert kernel.value("answer") == "'Ada'"


def test_getpass_asks_the_front_end_to_hide_the_answer_and_input_does_not(kernel):
    result = kernel.execute(
        "import getpass\nsecret = getpass.getpass('secret? ')\nname = input('name? ')",
        allow_stdin=True,
        stdin_answers=["hunter2", "Ada"],
    )
    assert result.status == "ok", result.errors
    requests = [message["content"] for message in result.messages if message["msg_type"] == "input_request"]
    assert requests == [{"prompt": "secret? ", "password": True}, {"prompt": "name? ", "password": False}]
