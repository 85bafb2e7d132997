"""Making two runs of a script comparable: seeds, one thread, bounded memory, no network.

The environment half (`child_environment`) is used by the parent before it starts a child,
because thread pools read their size when the library loads; the rest runs inside the child.
Nothing here imports torch at module level.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import random
import socket
import sys
from typing import Dict, Mapping, Optional

# Thread pools size themselves from these when they load, before any torch call can.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

# Port 9 is "discard": a proxy there refuses every connection, so downloads fail fast.
_NOWHERE = "http://127.0.0.1:9"
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy")
_OFFLINE_FLAGS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def child_environment(
    base: Mapping[str, str], *, seed: Optional[int], offline: bool, pythonpath: Optional[str] = None
) -> Dict[str, str]:
    """The environment for a verification child: one thread, CPU only, optionally offline."""
    env = dict(base)
    for name in THREAD_VARIABLES:
        env[name] = "1"
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TORCHINDUCTOR_DETERMINISTIC"] = "1"
    # Set iteration order and str hashes must not differ between the two runs.
    env["PYTHONHASHSEED"] = str(seed if seed is not None else 0)
    if offline:
        for name in _PROXY_VARIABLES:
            env[name] = _NOWHERE
            env[name.upper()] = _NOWHERE
        env.pop("no_proxy", None)
        env.pop("NO_PROXY", None)
        for name in _OFFLINE_FLAGS:
            env[name] = "1"
    if pythonpath:
        rest = env.get("PYTHONPATH")
        env["PYTHONPATH"] = pythonpath + (os.pathsep + rest if rest else "")
    return env


def limit_memory(nbytes: int) -> None:
    """Cap the address space of this process (and its children) where the OS supports it."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        nbytes = min(nbytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (nbytes, hard))


def _is_local(host: object) -> bool:
    """Whether a host is this machine (loopback), which stays reachable."""
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def disable_network() -> None:
    """Refuse connections and name lookups for anything but the loopback interface.

    Proxies pointing nowhere stop well-behaved downloaders; this stops the rest that go
    through Python's `socket` module. Unix sockets (multiprocessing) keep working.
    """
    inet = (socket.AF_INET, socket.AF_INET6)

    def refuse(what: object) -> OSError:
        return OSError(errno.ENETUNREACH, f"network access is disabled while verifying ({what})")

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if self.family in inet and not _is_local(address[0]):
            raise refuse(address[0])
        return original_connect(self, address)

    def connect_ex(self, address):
        if self.family in inet and not _is_local(address[0]):
            return errno.ENETUNREACH
        return original_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host.decode() if isinstance(host, bytes) else host):
            raise socket.gaierror(socket.EAI_NONAME, f"name lookup is disabled while verifying ({host})")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo


def make_deterministic() -> None:
    """One intra-op and inter-op thread and deterministic kernels for torch."""
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before the first parallel region
        pass
    # The public `use_deterministic_algorithms` imports torch._inductor (over a second per run)
    # only to set its flag; the child's environment sets that flag (TORCHINDUCTOR_DETERMINISTIC).
    set_flag = getattr(torch._C, "_set_deterministic_algorithms", None)
    if set_flag is None:
        torch.use_deterministic_algorithms(True)
    else:
        set_flag(True, warn_only=False)
        inductor = sys.modules.get("torch._inductor.config")
        if inductor is not None:
            inductor.deterministic = True
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def seed_python(seed: int) -> None:
    """Seed Python's `random`."""
    random.seed(seed)


def seed_numpy(seed: int) -> None:
    """Seed NumPy's global generator (call once NumPy is imported)."""
    import numpy

    numpy.random.seed(seed)


def seed_torch(seed: int) -> None:
    """Seed torch's generators (call once torch is imported)."""
    import torch

    torch.manual_seed(seed)
