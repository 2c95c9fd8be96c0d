from __future__ import annotations

import sys

from s1ops.cli import main

sys.exit(main())
