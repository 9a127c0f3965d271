# JupyterHub settings that offer xlazy to every user of the Hub.
#
# This is what an admin adds to an existing jupyterhub_config.py (authenticator, spawner,
# ports and so on stay as they are). tests/e2e/test_jupyterhub.py loads this file unchanged
# with load_subconfig() and adds only what a throwaway test Hub needs on top (dummy login,
# temporary directories, free ports, and the temporary install prefix instead of /opt/xlazy).
#
# Every setting goes through the Spawner, because the single-user servers (and the kernels
# they start) see only the command line and environment the Spawner gives them, not the
# Hub's own environment.

c = get_config()  # noqa: F821 -- defined by JupyterHub while it reads this file

# Where `cmake --install build --prefix PREFIX` put xlazy. Jupyter finds kernels under
# /usr/local/share/jupyter and /usr/share/jupyter by itself (`make install` uses /usr/local);
# for any other prefix the single-user servers need it on JUPYTER_PATH.
xlazy_prefix = "/opt/xlazy"

# Kernels started without a name (File > New Notebook in the default launcher, the REST API
# with an empty body) are xlazy. The option belongs to the single-user server; both Notebook 6
# and jupyter_server read MappingKernelManager.default_kernel_name.
c.Spawner.args = ["--MappingKernelManager.default_kernel_name=xlazy"]

c.Spawner.environment = {
    "JUPYTER_PATH": f"{xlazy_prefix}/share/jupyter",
    # Lazy mode of every user's kernels: off, cell (xlazy's default) or all. A user can
    # still change it for one session with `%lazy mode`.
    "XLAZY_MODE": "cell",
    # Modules always imported eagerly, added to xlazy's own list: modules of this site whose
    # import has side effects. `statistics` stands in for such a module here; the test
    # checks that it is imported at once and listed by `%lazy exclude`.
    "XLAZY_EXCLUDE": "statistics",
}
