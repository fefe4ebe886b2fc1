"""The compiled-kernel cache follows every source a kernel can inline (numba checks a cached
kernel only against its own file, so an edit to a kernel it calls would leave stale machine
code in use)."""

from pathlib import Path

import numba

from mentorsim.model import jit


def _tree(root: Path) -> Path:
    package = root / "mentorsim"
    (package / "model").mkdir(parents=True)
    (package / "economics").mkdir()
    (package / "model" / "learning.py").write_text("def rule(x):\n    return x\n")
    (package / "economics" / "costs.py").write_text("from mentorsim.model.jit import kernel\n")
    (package / "cli.py").write_text("print('help')\n")
    return package


def test_the_digest_changes_with_any_kernel_source_and_only_with_them(tmp_path):
    package = _tree(tmp_path)
    first = jit.kernel_sources_digest(package)
    assert jit.kernel_sources_digest(package) == first  # deterministic
    (package / "cli.py").write_text("print('other help')\n")  # no kernel can come from here
    assert jit.kernel_sources_digest(package) == first
    (package / "model" / "learning.py").write_text("def rule(x):\n    return 2 * x\n")
    second = jit.kernel_sources_digest(package)
    assert second != first
    (package / "economics" / "costs.py").write_text("from mentorsim.model.jit import kernel  # edited\n")
    assert jit.kernel_sources_digest(package) not in (first, second)


def test_kernels_are_cached_in_the_folder_of_the_current_sources():
    package = Path(jit.__file__).resolve().parents[1]
    expected = jit.cache_dir()
    assert expected.name == jit.kernel_sources_digest(package)[:16]
    assert Path(numba.config.CACHE_DIR) == expected
