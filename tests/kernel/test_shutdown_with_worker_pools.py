"""shutdown_request ends the kernel and the worker processes of the pools a notebook left
open, as ending a Python script does."""
from conftest import wait_for_exit

PROCESS_POOL_EXECUTOR = (
    "import concurrent.futures, os\n"
    "executor = concurrent.futures.ProcessPoolExecutor(2)\n"
    "executor.submit(os.getpid).result()\n"
    "sorted(executor._processes)"
)
MULTIPROCESSING_POOL = (
    "import multiprocessing\n"
    "pool = multiprocessing.Pool(2)\n"
    "sorted(p.pid for p in pool._pool)"
)


def shut_down_and_expect_everything_gone(kernel, workers):
    kernel_pid = kernel.pid
    kernel.client.shutdown()
    assert wait_for_exit(kernel_pid), "the kernel outlived its shutdown_request"
    for worker in workers:
        assert wait_for_exit(worker, timeout=10), f"worker {worker} outlived the kernel"


def test_shutdown_with_a_process_pool_executor_open_ends_kernel_and_workers(fresh_kernel):
    workers = eval(fresh_kernel.value(PROCESS_POOL_EXECUTOR))
    assert workers
    shut_down_and_expect_everything_gone(fresh_kernel, workers)


def test_shutdown_with_a_multiprocessing_pool_open_ends_kernel_and_workers(fresh_kernel):
    workers = eval(fresh_kernel.value(MULTIPROCESSING_POOL))
    assert workers
    shut_down_and_expect_everything_gone(fresh_kernel, workers)


def test_shutdown_with_both_kinds_of_pool_open_ends_kernel_and_workers(fresh_kernel):
    workers = eval(fresh_kernel.value(PROCESS_POOL_EXECUTOR)) + eval(fresh_kernel.value(MULTIPROCESSING_POOL))
    shut_down_and_expect_everything_gone(fresh_kernel, workers)
