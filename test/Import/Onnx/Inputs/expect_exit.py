"""Runs a command, forwards its output, and fails unless it exits with the
given code:  expect_exit.py CODE COMMAND ARGS...  (stderr goes to stdout)."""

import subprocess
import sys

expected = int(sys.argv[1])
result = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT)
sys.stdout.buffer.write(result.stdout)
if result.returncode != expected:
    print(f"expect_exit.py: exit code {result.returncode}, expected {expected}")
    sys.exit(1)
