"""Benchmark of agentkit's Chroma memory (a benchmark, not a test).

    .venv/bin/python bench/memory.py [--sizes 1000,10000,100000] [--json-out FILE] [--quick]
    .venv/bin/python bench/memory.py --chunks 100000     # only query latency at 100k chunks

Prints ingest throughput against the embedder's own (chunks/s for the MiniLM embedder
alone, and for a whole ingest into a local directory and through a Chroma server, each
on a quiet CPU and beside a CPU-bound competitor), query latency (p50/p95, embedding
share shown apart) at several collection sizes, and retrieval accuracy (top-1, MRR) on
paraphrased queries. Collections of 10k and more are filled with synthetic chunks
(realistic text and metadata) whose vectors are random unit vectors, inserted directly
into Chroma, so the run stays within minutes on 2 cores; queries are always embedded
by the real MiniLM and go through `Memory.search`. `--quick` uses small sizes and one
repeat, for CI.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentkit.memory import Memory, MiniLMEmbedder
from agentkit.memory.chunking import chunk_text
from agentkit.services import chroma_server

QUERIES = Path(__file__).with_name("memory_queries.json")
WORDS = [
    *["system", "network", "memory", "planner", "tool", "file", "agent", "model"],
    *["query", "index", "chunk", "vector", "server", "process", "lock", "config"],
    *["retry", "error", "budget", "token", "prompt", "cache", "disk", "user"],
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def make_docs(docs: Path, chunks: int, seed: int = 0) -> None:
    """Synthetic files adding up to about `chunks` chunks of ~1000 characters."""
    rng = random.Random(seed)
    docs.mkdir(parents=True)
    for i in range(max(1, chunks // 7)):  # five ~900-character paragraphs: about 7 chunks
        paragraphs = [" ".join(rng.choices(WORDS, k=150)) + "." for _ in range(5)]
        (docs / f"doc{i}.md").write_text("\n\n".join(paragraphs))


def ingestion(root: Path, embedder: MiniLMEmbedder, chunks: int) -> tuple[Memory, dict[str, Any]]:
    """Ingest synthetic files adding up to about `chunks` chunks of ~1000 characters."""
    docs = root / "docs"
    make_docs(docs, chunks)
    memory = Memory(root / "mem", embedder=embedder)
    start = time.perf_counter()
    report = memory.ingest([docs])
    seconds = time.perf_counter() - start
    return memory, {
        "files": report.documents_added,
        "chunks": report.chunks_added,
        "seconds": round(seconds, 2),
        "chunks_per_s": round(report.chunks_added / seconds, 1),
    }


def synthetic_chunk(rng: random.Random) -> str:
    """About 1,000 characters of prose-like text, the size ingest cuts documents into."""
    sentences: list[str] = []
    while sum(map(len, sentences)) < 950:
        words = rng.choices(WORDS, k=rng.randint(8, 18))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def fill_synthetic(memory: Memory, n: int, dim: int) -> float:
    """`n` realistic chunks (about 1,000 characters of text, and the metadata an ingest
    writes: source, title, chunk position, hashes) with random unit vectors instead of
    MiniLM's, inserted straight into the collection 5,000 at a time; returns seconds.
    Embedding 100k chunks with MiniLM would take over an hour on 2 cores. Random
    vectors are the hard case for the HNSW index (no clusters), so latency measured on
    them is, if anything, pessimistic."""
    import numpy as np

    from agentkit.memory.store import content_hash

    rng, text_rng = np.random.default_rng(0), random.Random(0)
    start = time.perf_counter()
    per_file = 7  # an ingested Markdown file gives about 7 chunks
    for s in range(0, n, 5000):
        size = min(5000, n - s)
        vecs = rng.standard_normal((size, dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        texts = [synthetic_chunk(text_rng) for _ in range(size)]
        metas: list[dict[str, Any]] = []
        for i, text in enumerate(texts):
            doc, chunk = divmod(s + i, per_file)
            source = f"/srv/docs/section{doc % 97}/doc{doc}.md"
            metas.append(
                {
                    "kind": "document",
                    "source": source,
                    "created_at": 1.7e9 + doc,
                    "content_hash": content_hash(text),
                    "file_hash": content_hash(source),
                    "chunk": chunk,
                    "chunks": per_file,
                    "title": f"doc{doc}.md",
                }
            )
        memory._col.add(
            ids=[f"doc{(s + i) // per_file}-{(s + i) % per_file}" for i in range(size)],
            embeddings=vecs,
            documents=texts,
            metadatas=metas,
        )
    return time.perf_counter() - start


def latency(memory: Memory, queries: list[str], rounds: int = 3) -> dict[str, Any]:
    """`Memory.search` end to end (embedding the query with MiniLM, the lock check, the
    vector query with documents and metadata), and its two parts measured alone."""
    memory.search(queries[0])  # the first search also checks the index once: not timed
    total: list[float] = []
    embed: list[float] = []
    vector: list[float] = []
    for _ in range(rounds):
        for query in queries:
            t0 = time.perf_counter()
            memory.search(query, k=5)
            t1 = time.perf_counter()
            v = memory.embedder.embed([query])[0]
            t2 = time.perf_counter()
            memory._col.query(query_embeddings=[v], n_results=5)
            t3 = time.perf_counter()
            total.append((t1 - t0) * 1000)
            embed.append((t2 - t1) * 1000)
            vector.append((t3 - t2) * 1000)
    return {
        "queries": len(total),
        "p50_ms": round(_pct(total, 0.5), 2),
        "p95_ms": round(_pct(total, 0.95), 2),
        "embed_p50_ms": round(_pct(embed, 0.5), 2),
        "embed_p95_ms": round(_pct(embed, 0.95), 2),
        "vector_p50_ms": round(_pct(vector, 0.5), 2),
        "vector_p95_ms": round(_pct(vector, 0.95), 2),
        "embed_share": round(sum(embed) / (sum(embed) + sum(vector)), 3),
    }


def print_latency(size: int, row: dict[str, Any]) -> None:
    print(
        f"query @ {size:>6} chunks: search p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms "
        f"over {row['queries']} queries | parts alone: embedding p50/p95 "
        f"{row['embed_p50_ms']}/{row['embed_p95_ms']} ms, vector query p50/p95 "
        f"{row['vector_p50_ms']}/{row['vector_p95_ms']} ms ({row['embed_share']:.0%} "
        f"embedding) [{row['note']}]"
    )


def at_size(root: Path, embedder: MiniLMEmbedder, size: int, rounds: int) -> dict[str, Any]:
    """Query latency at `size` synthetic chunks, nothing else (`--chunks N`)."""
    queries = [q for q, _ in json.loads(QUERIES.read_text())["queries"]]
    with Memory(root / f"syn{size}", embedder=embedder) as memory:
        secs = fill_synthetic(memory, size, embedder.dim)
        note = f"synthetic chunks, random unit vectors, inserted in {secs:.0f} s"
        row = latency(memory, queries, rounds) | {"chunks": size, "note": note}
    print_latency(size, row)
    return row


def accuracy(root: Path, embedder: MiniLMEmbedder) -> dict[str, Any]:
    data = json.loads(QUERIES.read_text())
    with Memory(root / "acc", embedder=embedder) as memory:
        ids = {memory.add(text, source=key): key for key, text in data["docs"].items()}
        top1, rr = 0, 0.0
        for query, want in data["queries"]:
            found = [ids[h.id] for h in memory.search(query, k=len(ids), min_score=0.0)]
            top1 += found[:1] == [want]
            rr += 1 / (found.index(want) + 1) if want in found else 0.0
    n = len(data["queries"])
    return {"docs": len(ids), "queries": n, "top1": round(top1 / n, 3), "mrr": round(rr / n, 3)}


@contextmanager
def competitor(on: bool) -> Iterator[None]:
    """A CPU-bound process running beside the measurement (bounded to 10 minutes)."""
    if not on:
        yield
        return
    spin = "import time\nend = time.time() + 600\nwhile time.time() < end: pass"
    proc = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.2)
        yield
    finally:
        proc.kill()
        proc.wait()


def throughput(root: Path, embedder: MiniLMEmbedder, chunks: int, repeats: int) -> dict[str, Any]:
    """chunks/s of the embedder alone vs whole ingests, local and through a Chroma server,
    measured in alternation (so load from others affects each alike), quiet and busy."""
    docs = root / "tp-docs"
    make_docs(docs, chunks, seed=1)
    texts = [c for f in sorted(docs.iterdir()) for c in chunk_text(f.read_text())]
    runs: dict[str, list[float]] = {}
    counter = iter(range(10**6))

    def embed_alone() -> float:
        start = time.perf_counter()
        for s in range(0, len(texts), 256):  # the batch size ingest uses
            embedder.embed(texts[s : s + 256])
        return len(texts) / (time.perf_counter() - start)

    def ingest(memory: Memory) -> float:
        start = time.perf_counter()
        report = memory.ingest([docs])
        return report.chunks_added / (time.perf_counter() - start)

    with chroma_server(root / "chroma", log=root / "chroma.log") as server:
        cases: dict[str, Callable[[], float]] = {
            "embedder": embed_alone,
            "local": lambda: ingest(Memory(root / f"tp{next(counter)}", embedder=embedder)),
            "server": lambda: ingest(_fresh_server_memory(server.url, embedder)),
        }
        for busy in (False, True):
            with competitor(busy):
                for _ in range(repeats):
                    for name, case in cases.items():
                        runs.setdefault(f"{name}{'_busy' if busy else ''}", []).append(case())
    medians = {name: round(statistics.median(v), 1) for name, v in runs.items()}
    return {"chunks": len(texts), "repeats": repeats, "chunks_per_s": medians}


def _fresh_server_memory(url: str, embedder: MiniLMEmbedder) -> Memory:
    memory = Memory(url=url, embedder=embedder)
    memory.forget(everything=True)  # each repeat ingests into an empty collection
    return memory


def print_throughput(tp: dict[str, Any]) -> None:
    c = tp["chunks_per_s"]
    print(f"ingest throughput, {tp['chunks']} chunks, median of {tp['repeats']}:")
    for suffix, label in (("", "quiet CPU"), ("_busy", "CPU-bound competitor")):
        alone = c[f"embedder{suffix}"]
        print(
            f"  {label:<21} embedder alone {alone:6.1f} chunks/s | ingest local "
            f"{c[f'local{suffix}']:6.1f} ({c[f'local{suffix}'] / alone:.0%}) | through the "
            f"Chroma server {c[f'server{suffix}']:6.1f} ({c[f'server{suffix}'] / alone:.0%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (CI)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each ingest case")
    parser.add_argument(
        "--chunks",
        type=int,
        help="only query latency, at N synthetic chunks (the p95 goal: --chunks 100000)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the 20 queries")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats = "70,2000", 1
        args.chunks = 2000 if args.chunks is not None else None
    sizes = [int(s) for s in args.sizes.split(",")]
    embedder = MiniLMEmbedder()
    if args.chunks is not None:
        if args.chunks < 1:
            sys.exit("error: --chunks takes a positive number of chunks")
        with tempfile.TemporaryDirectory() as tmp:
            row = at_size(Path(tmp), embedder, args.chunks, args.rounds)
        if args.json_out:
            args.json_out.write_text(json.dumps({"embedder": embedder.name, "latency": row}))
        return
    queries = [q for q, _ in json.loads(QUERIES.read_text())["queries"]]
    results: dict[str, Any] = {"embedder": embedder.name, "latency": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tp_chunks = min(sizes[0], 140) if args.quick else min(sizes[0], 700)
        results["throughput"] = throughput(Path(tmp), embedder, tp_chunks, args.repeats)
        print_throughput(results["throughput"])
        root = Path(tmp)
        memory, results["ingestion"] = ingestion(root / "real", embedder, sizes[0])
        ing = results["ingestion"]
        print(
            f"ingestion: {ing['chunks']} chunks from {ing['files']} files in "
            f"{ing['seconds']} s = {ing['chunks_per_s']} chunks/s (embedding included)"
        )
        for size in sizes:
            if size > ing["chunks"] * 1.1:  # the ingested set stands in for sizes near it
                memory.close()
                memory = Memory(root / f"syn{size}", embedder=embedder)
                secs = fill_synthetic(memory, size, embedder.dim)
                note = f"synthetic chunks, random unit vectors, inserted in {secs:.0f} s"
            else:
                note = "real ingested chunks"
            row = latency(memory, queries) | {"chunks": size, "note": note}
            results["latency"][str(size)] = row
            print_latency(size, row)
        memory.close()
        results["accuracy"] = acc = accuracy(root, embedder)
        print(
            f"accuracy: top-1 {acc['top1']:.2f}, MRR {acc['mrr']:.3f} "
            f"({acc['queries']} paraphrased queries over {acc['docs']} docs)"
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
