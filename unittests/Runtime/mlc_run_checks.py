"""Helpers of the mlc-run end-to-end tests (mlc_run_test.py,
mlc_run_cuda_test.py): run the tool with a controlled environment, record
named checks and exit with their verdict."""
import os
import subprocess
import sys


class Checks:
    """Runs `exe` with os.environ less the variables starting with one of
    `clear` and plus `env`, and records PASS/FAIL lines."""

    def __init__(self, exe, clear=(), env=None):
        self.exe, self.clear, self.env = exe, tuple(clear), dict(env or {})
        self.failures = []

    def run(self, *args, env=None, exe=None):
        full_env = {k: v for k, v in os.environ.items()
                    if not (self.clear and k.startswith(self.clear))}
        full_env.update(self.env)
        full_env.update(env or {})
        p = subprocess.run([exe or self.exe, *args], capture_output=True,
                           text=True, env=full_env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def check(self, name, condition, detail=""):
        if condition:
            print(f"PASS: {name}")
        else:
            print(f"FAIL: {name}\n{detail}")
            self.failures.append(name)

    def expect(self, name, args, code, stdout_has=(), stderr_has=(), **kw):
        """Runs mlc-run on `args`: exit status `code`, and each of the
        strings in its stdout and stderr."""
        rc, out, err = self.run(*args, **kw)
        detail = (f"  exit {rc} (expected {code})\n  stdout: {out}\n"
                  f"  stderr: {err}")
        self.check(name, rc == code and all(s in out for s in stdout_has)
                   and all(s in err for s in stderr_has), detail)
        return out, err

    def finish(self, what):
        if self.failures:
            print(f"{len(self.failures)} check(s) failed: "
                  f"{', '.join(self.failures)}")
            sys.exit(1)
        print(f"all {what} checks passed")
