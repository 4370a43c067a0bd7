"""``HostFd``: a host file descriptor owned by the WASI layer.

Files and directories the guest opens, preopened directories and stdio
redirected to files are raw descriptors (``os.open``), which Python never
closes by itself; this closes one exactly once, when the guest closes it
or when nothing refers to it any more. The process's own stdio is wrapped
with ``owned=False`` and never closed.
"""

from __future__ import annotations

import os


class HostFd:
    def __init__(self, fd: int, owned: bool = True):
        self.fd = fd
        self.owned = owned

    def close(self) -> None:
        if self.owned:
            self.owned = False
            os.close(self.fd)

    def __del__(self):
        self.close()
