"""Sandbox mode (SANDBOX=1, `marketing-etl serve --sandbox`, `make demo`): the whole product
with simulated platforms, no accounts needed.

The fakes the test suite runs against (fakes/) are mounted under /sandbox of the same server,
with demo data (demo_data), magic tokens (magic) and on-demand spreadsheets (platforms); the
real clients are pointed at them (config.sandboxed) and the real pipeline runs unchanged but
for a faster Facebook rate-limit clock and viewer links (plugins, installed by wiring.py).
People look at the spreadsheets in the sheet viewer (viewer, books, viewer_html, xlsx_export).
"""

from marketing_etl.sandbox.config import sandboxed
from marketing_etl.sandbox.mount import Sandbox, mount_sandbox

__all__ = ["Sandbox", "mount_sandbox", "sandboxed"]
