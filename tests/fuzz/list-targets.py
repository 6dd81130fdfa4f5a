#!/usr/bin/env python3
"""Prints the fuzz target names of tests/fuzz, one a line: NAME for every
cw-fuzz-NAME.c that has a seed corpus directory corpus/NAME/. Run by meson
at configure time, so a new target needs no build edit."""

import os
import sys

here = os.path.dirname(os.path.realpath(__file__))
for name in sorted(os.listdir(here)):
    if not (name.startswith("cw-fuzz-") and name.endswith(".c")):
        continue
    target = name[len("cw-fuzz-"):-len(".c")]
    if os.path.isdir(os.path.join(here, "corpus", target)):
        print(target)
sys.exit(0)
