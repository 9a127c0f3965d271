"""An interrupt that lands while a cell imports a deferred heavy package leaves nothing
half-imported: the cell fails with KeyboardInterrupt, and the next use imports the package
cleanly, without a restart."""
import time

import pytest

# pandas takes about 0.4-0.8 s to import here: these land before, inside and after its
# submodules, wherever the machine's speed puts them.
DELAYS = [0.2, 0.45, 0.7]

NO_PANDAS_LEFTOVERS = (
    "import sys\n"
    "[m for m in sys.modules if m.startswith('pandas.')] if 'pandas' not in sys.modules else []"
)


def deferred_pandas_kernel(start_kernel):
    kernel = start_kernel()
    kernel.execute("import pandas as pd")
    return kernel


def assert_pandas_works_and_was_imported_cleanly(kernel, reply):
    if reply["status"] == "error":
        # numpy turns an interrupt inside its C initialisation into a RuntimeError.
        assert reply["ename"] in ("KeyboardInterrupt", "RuntimeError"), reply
        assert kernel.value(NO_PANDAS_LEFTOVERS) == "[]", "the interrupted resolve left pandas submodules behind"
    result = kernel.execute("int(pd.DataFrame({'a': [1, 2, 3]})['a'].sum())")
    assert result.status == "ok", result.errors
    assert result.text == "6"
    again = kernel.execute("import pandas\nint(pandas.Series([4, 5]).sum())")
    assert again.status == "ok", again.errors
    assert again.text == "9"


@pytest.mark.parametrize("delay", DELAYS)
def test_sigint_during_a_pandas_resolve_is_rolled_back_and_the_next_use_works(start_kernel, delay):
    kernel = deferred_pandas_kernel(start_kernel)
    msg_id = kernel.client.execute("frame = pd.DataFrame({'a': [1]})")
    kernel.wait_until_busy()
    time.sleep(delay)
    kernel.manager.interrupt_kernel()
    assert_pandas_works_and_was_imported_cleanly(kernel, kernel.shell_reply(msg_id))


def test_interrupt_request_during_a_pandas_resolve_is_rolled_back_and_the_next_use_works(start_kernel):
    kernel = deferred_pandas_kernel(start_kernel)
    msg_id = kernel.client.execute("frame = pd.DataFrame({'a': [1]})")
    kernel.wait_until_busy()
    time.sleep(0.3)
    kernel.control("interrupt_request", {})
    assert_pandas_works_and_was_imported_cleanly(kernel, kernel.shell_reply(msg_id))
