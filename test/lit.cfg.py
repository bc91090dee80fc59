# lit configuration of mlc's regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "mlc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mlc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# FileCheck always checks that captured variables stay in their scope.
config.substitutions.insert(0, ("FileCheck", "FileCheck --enable-var-scope"))

tool_dirs = [config.mlc_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    [ToolSubst("mlc-opt", unresolved="fatal"),
     ToolSubst("mlc-compile", unresolved="fatal"),
     ToolSubst("mlc-import", unresolved="fatal"),
     ToolSubst("not", unresolved="fatal"),
     ToolSubst("llvm-nm", unresolved="fatal"),
     ToolSubst("llvm-strings", unresolved="fatal")],
    tool_dirs)

# Tests that produce PTX (libdevice) or assemble it (ptxas) need the CUDA
# toolkit found at configure time; without it they are UNSUPPORTED.
if config.mlc_has_cuda_toolkit:
    config.available_features.add("cuda-toolkit")
    config.substitutions.append(("%ptxas", config.mlc_ptxas))

config.substitutions.append(("%mlc_src_root", config.mlc_src_root))
config.substitutions.append(("%python", config.python_executable))
