"""`quorum bench`: ingest throughput, query latency, memory and disk as the corpus grows.

    quorum bench [--chunks N ...] [--modes embedded server] [--quick] [--json]
                 [--seed N] [--embed-sample N] [--workdir DIR]

For each corpus size, a seeded synthetic corpus with the shipped one mixed in
(``evals/synthetic.py``) is written to a temporary folder. Then, for each store
mode (embedded ``PersistentClient``, or a fresh ``chroma run`` server on a free
port), two measurements run, each in a child process of its own
(``python -m evals.bench --one SPEC``) so that memory peaks do not leak from
one into the next:

- **Quorum**: raw embedding first — the texts Quorum's ingest embeds (each
  chunk's embedding text and each of its sentences) for an evenly spaced sample
  of the documents, through the same ``Embedder`` and batch size — then
  ``ingest.pipeline.ingest`` into a fresh data directory, then an unchanged
  re-ingest, then queries after a warm-up: ``Searcher.retrieve`` (retrieval only)
  and ``answer_question`` (full answer), on one torch thread as ``quorum eval``
  measures them.
- **The llama-index default** (``baseline``): raw embedding of its own chunks of
  the same documents on the same model instance, then
  ``VectorStoreIndex.from_documents`` over a ``ChromaVectorStore`` with default
  settings (``SentenceSplitter``: 1024 tokens, 200 overlap) on the same files,
  loaded and cleaned as Quorum loads them; queries through its retriever (top 5;
  its "answer" is its top passage, as in ``evals/systems.py``, so its answer
  latency is its retrieval latency); then a second ``from_documents`` of the
  unchanged files, which is how it re-ingests (it has no incremental ingest).

``known_hit@5`` is the share of the evaluation set's answerable questions whose
quotes come from the shipped corpus that find a supporting passage in the top 5
(``evals.metrics.is_relevant``). ``embed_chunks_per_s`` is chunks per second of
raw embedding (all of a chunk's texts), so ``ingest_ratio`` compares like with
like; ``embed_chunk_texts_per_s`` leaves the sentences out, to show their cost.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.metrics import is_relevant, percentile
from retrieval.errors import ConfigError, QuorumError

REPO = Path(__file__).resolve().parents[1]
MODES = ("embedded", "server")
FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZE = 1_000
RESULT_MARK = "QUORUM-BENCH-RESULT "
WARM_UP = 3
K = 5

# Targets from the issue; the largest size measured is judged when 100k was not run.
TARGET_INGEST_RATIO = 0.8
TARGET_RETRIEVAL_P95_MS = 100.0
TARGET_REINGEST_RATIO = 0.05
TARGET_PEAK_RSS_MB = 3 * 1024
TARGET_SIZE = 100_000

REQUIRED_KEYS = (
    "chunks", "mode", "ingest_chunks_per_s", "embed_chunks_per_s", "ingest_ratio", "retrieval_p50_ms",
    "retrieval_p95_ms", "answer_p95_ms", "reingest_ratio", "peak_rss_mb", "disk_mb", "known_hit@5",
)


class BenchFailed(QuorumError):
    """A measurement's child process (or its Chroma server) failed."""


@dataclass(frozen=True)
class Known:
    """An evaluation question whose supporting quotes are in the shipped corpus."""

    question: str
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class QuerySample:
    known: tuple[Known, ...]  # timed for retrieval, and scored for known_hit@5
    synthetic: tuple[str, ...]  # timed for retrieval only
    answers: tuple[str, ...]  # timed for the full answer


@dataclass(frozen=True)
class Spec:
    """One measurement, as handed to its child process."""

    system: str  # "quorum" | "baseline"
    folder: str
    home: str
    chroma_url: str | None
    disk_paths: tuple[str, ...]
    queries: QuerySample
    embed_sample: int  # at most about this many chunks' texts for the raw embedding rate


@dataclass(frozen=True)
class Measurement:
    """What one child process measured (one system, one store mode, one corpus)."""

    chunks: int
    documents: int
    sentences: int  # embedded beside the chunks (Quorum; 0 for the baseline)
    ingest_s: float
    reingest_s: float
    embed_sample_chunks: int
    embed_s: float  # raw embedding time for the sample: chunk texts and sentences
    embed_chunk_texts_s: float  # the part for chunk texts
    retrieval_ms: tuple[float, ...]
    answer_ms: tuple[float, ...]
    known_hits: int
    known_questions: int
    peak_rss_mb: float
    disk_mb: float


@dataclass(frozen=True)
class SystemResult:
    chunks: int
    mode: str
    ingest_chunks_per_s: float
    embed_chunks_per_s: float
    ingest_ratio: float
    retrieval_p50_ms: float
    retrieval_p95_ms: float
    answer_p95_ms: float
    reingest_ratio: float
    peak_rss_mb: float
    disk_mb: float
    known_hit_at_5: float
    # extras, for readers of the numbers
    documents: int = 0
    sentences: int = 0
    ingest_s: float = 0.0
    reingest_s: float = 0.0
    embed_chunk_texts_per_s: float = 0.0
    embed_sample_chunks: int = 0
    answer_p50_ms: float = 0.0
    retrieval_queries: int = 0
    answer_queries: int = 0
    known_questions: int = 0
    server_peak_rss_mb: float | None = None
    server_disk_mb: float | None = None

    @classmethod
    def of(cls, m: Measurement, mode: str, server_rss_mb: float | None, server_disk_mb: float | None) -> SystemResult:
        ingest_rate = m.chunks / m.ingest_s
        embed_rate = m.embed_sample_chunks / m.embed_s
        return cls(
            chunks=m.chunks,
            mode=mode,
            ingest_chunks_per_s=ingest_rate,
            embed_chunks_per_s=embed_rate,
            ingest_ratio=ingest_rate / embed_rate,
            retrieval_p50_ms=_p(m.retrieval_ms, 50),
            retrieval_p95_ms=_p(m.retrieval_ms, 95),
            answer_p95_ms=_p(m.answer_ms, 95),
            reingest_ratio=m.reingest_s / m.ingest_s,
            peak_rss_mb=m.peak_rss_mb,
            disk_mb=m.disk_mb,
            known_hit_at_5=m.known_hits / m.known_questions if m.known_questions else 0.0,
            documents=m.documents,
            sentences=m.sentences,
            ingest_s=m.ingest_s,
            reingest_s=m.reingest_s,
            embed_chunk_texts_per_s=m.embed_sample_chunks / m.embed_chunk_texts_s,
            embed_sample_chunks=m.embed_sample_chunks,
            answer_p50_ms=_p(m.answer_ms, 50),
            retrieval_queries=len(m.retrieval_ms),
            answer_queries=len(m.answer_ms),
            known_questions=m.known_questions,
            server_peak_rss_mb=server_rss_mb,
            server_disk_mb=server_disk_mb,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "server_peak_rss_mb" and value is None:
                continue
            if item.name == "server_disk_mb" and value is None:
                continue
            key = "known_hit@5" if item.name == "known_hit_at_5" else item.name
            data[key] = round(value, 4 if abs(value) < 10 else 1) if isinstance(value, float) else value
        return data


@dataclass(frozen=True)
class BenchResult:
    """One corpus size in one store mode: Quorum and the llama-index default."""

    target_chunks: int
    quorum: SystemResult
    baseline: SystemResult

    def to_json(self) -> dict[str, Any]:
        return {**self.quorum.to_json(), "target_chunks": self.target_chunks, "baseline": self.baseline.to_json()}


def _p(values: Sequence[float], q: float) -> float:
    return percentile(values, q) or 0.0


# --- the query sample ---------------------------------------------------------------------------


def known_questions(shipped: Path) -> list[Known]:
    """The built-in set's answerable questions whose every quote is in the shipped corpus."""
    from evals.dataset import load_dataset
    from ingest.cleaning import clean_text
    from ingest.loaders import load_file
    from ingest.pipeline import discover

    sources, _ = discover([shipped])
    texts = []
    for source in sources:
        loaded = load_file(source.path)
        texts.append(clean_text(loaded.text, loaded.format))
    return [
        Known(item.question, item.quotes)
        for item in load_dataset().questions
        if item.answerable and all(any(is_relevant(text, quote) for text in texts) for quote in item.quotes)
    ]


def query_sample(shipped: Path, seed: int, quick: bool) -> QuerySample:
    """Quick: 20 known + 10 synthetic questions, 10 answers; full: every known question + 60, 60 answers."""
    from evals.synthetic import synthetic_questions

    known = known_questions(shipped)
    if quick:
        known = _spread(known, 20)
    synthetic = synthetic_questions(seed, 10 if quick else 60)
    half = 5 if quick else 30
    answers = [k.question for k in _spread(known, half)] + synthetic[:half]
    return QuerySample(tuple(known), tuple(synthetic), tuple(answers))


def _spread(items: Sequence[Any], n: int) -> list[Any]:
    """``n`` items evenly spaced through ``items`` (all of them when there are fewer)."""
    if len(items) <= n:
        return list(items)
    return [items[i * len(items) // n] for i in range(n)]


# --- the parent: corpora, servers, child processes, results ------------------------------------


@dataclass
class Plan:
    sizes: list[int]
    modes: list[str]
    quick: bool = False
    seed: int = 0
    embed_sample: int = 2_000
    workdir: Path | None = None
    shipped: Path = field(default_factory=lambda: REPO / "corpus")


def run_bench(plan: Plan, on_step: Callable[[str], None] = lambda _: None) -> Iterator[BenchResult]:
    """Measure every size in every mode; yields each (size, mode) as it finishes."""
    from evals.synthetic import write_corpus

    sample = query_sample(plan.shipped, plan.seed, plan.quick)
    with _workdir(plan.workdir) as work:
        for size in plan.sizes:
            on_step(f"{size:,} chunks: writing the corpus")
            corpus = write_corpus(work / f"corpus-{size}", size, plan.seed, plan.shipped)
            for mode in plan.modes:
                measured = {}
                for system in ("quorum", "baseline"):
                    on_step(f"{size:,} chunks, {mode}: {'Quorum' if system == 'quorum' else 'llama-index default'}")
                    measured[system] = _measure(system, mode, corpus.folder, work / f"{size}-{mode}-{system}",
                                                sample, plan.embed_sample)
                yield BenchResult(size, measured["quorum"], measured["baseline"])
            shutil.rmtree(corpus.folder, ignore_errors=True)


@contextmanager
def _workdir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="quorum-bench-") as name:
        yield Path(name)


def _measure(system: str, mode: str, folder: Path, where: Path, sample: QuerySample, embed_sample: int) -> SystemResult:
    shutil.rmtree(where, ignore_errors=True)
    home = where / "home"
    server = None
    if mode == "server":
        server = chroma_server(where / "server")
        server.start()
    try:
        spec = Spec(
            system=system,
            folder=str(folder),
            home=str(home),
            chroma_url=server.url if server else None,
            disk_paths=(str(home),) + ((str(server.path),) if server else ()),
            queries=sample,
            embed_sample=embed_sample,
        )
        measured = _run_child(spec)
        server_rss = _peak_rss_mb(server.process.pid) if server and server.process else None
        server_disk = _disk_mb([server.path]) if server else None
    finally:
        if server is not None:
            server.stop()
    shutil.rmtree(where, ignore_errors=True)
    return SystemResult.of(measured, mode, server_rss, server_disk)


def chroma_server(path: Path) -> Any:
    """A ``chroma run`` server on a free loopback port: the test suite's helper, reused."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        from tests.test_server_mode import ChromaServer
    except ImportError as error:
        raise ConfigError(
            f"server mode starts Chroma with tests/test_server_mode.py's helper, which needs the repository "
            f"checkout and the test extras (pip install -e '.[test]'): {error}"
        ) from error
    return ChromaServer(path)


def _run_child(spec: Spec) -> Measurement:
    env = os.environ | {
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "evals.bench", "--one", json.dumps(asdict(spec))],
        capture_output=True, text=True, env=env, cwd=REPO,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK) and done.returncode == 0:
            return _measurement(json.loads(line[len(RESULT_MARK):]))
    tail = " | ".join(done.stderr.strip().splitlines()[-3:]) or f"exit code {done.returncode}"
    raise BenchFailed(f"the {spec.system} measurement failed: {tail}")


def _measurement(data: dict[str, Any]) -> Measurement:
    data["retrieval_ms"] = tuple(data["retrieval_ms"])
    data["answer_ms"] = tuple(data["answer_ms"])
    return Measurement(**data)


def _peak_rss_mb(pid: int | None = None) -> float:
    """A process's peak resident memory (VmHWM), in MiB; this process's by default."""
    status = Path(f"/proc/{pid or 'self'}/status")
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    if pid is None:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return 0.0


def _disk_mb(paths: Sequence[Path]) -> float:
    """Space the files under ``paths`` take on disk (allocated blocks, as ``du``), in MiB."""
    total = 0
    for root in paths:
        for dirpath, _, names in os.walk(root):
            for name in names:
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
                except OSError:
                    pass
    return total / 2**20


# --- the child: one measurement ----------------------------------------------------------------


def _child(spec_json: str) -> None:
    raw = json.loads(spec_json)
    queries = raw.pop("queries")
    sample = QuerySample(
        tuple(Known(k["question"], tuple(k["quotes"])) for k in queries["known"]),
        tuple(queries["synthetic"]),
        tuple(queries["answers"]),
    )
    spec = Spec(**(raw | {"queries": sample, "disk_paths": tuple(raw["disk_paths"])}))
    measure = measure_quorum if spec.system == "quorum" else measure_baseline
    measured = measure(spec)
    print(RESULT_MARK + json.dumps(asdict(measured)), flush=True)


def _sample_order(items: Sequence[Any]) -> list[Any]:
    """``items`` in a fixed shuffled order: any prefix is a sample from across the corpus."""
    return random.Random(0).sample(list(items), len(items))


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    value = run()
    return time.perf_counter() - began, value


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Queries on one torch thread, as ``quorum eval`` times them (see evals/runner.py)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def measure_quorum(spec: Spec) -> Measurement:
    from ingest.pipeline import discover, ingest, prepare
    from retrieval.answer import answer_question
    from retrieval.embedding import get_embedder
    from retrieval.search import Searcher
    from retrieval.settings import load_settings

    folder = Path(spec.folder)
    settings = load_settings(home=Path(spec.home), corpus=folder, chroma_url=spec.chroma_url)
    embedder = get_embedder(settings.embedding_model)

    # Raw embedding: exactly the texts ingest embeds, for a sample of the documents.
    sources, _ = discover([folder])
    sample_docs = []
    for source in _sample_order(sources):
        sample_docs.append(prepare(source, settings, embedder))
        if sum(len(d.chunks) for d in sample_docs) >= spec.embed_sample:
            break
    chunk_texts = [t for d in sample_docs for t in d.chunk_texts]
    sentence_texts = [s.text for d in sample_docs for s in d.sentences]
    del sample_docs
    embedder.embed(chunk_texts[: settings.embed_batch_size], batch_size=settings.embed_batch_size)  # warm-up
    chunk_s, _ = _timed(lambda: embedder.embed(chunk_texts, batch_size=settings.embed_batch_size))
    sentence_s, _ = _timed(lambda: embedder.embed(sentence_texts, batch_size=settings.embed_batch_size))

    ingest_s, report = _timed(lambda: ingest([folder], settings, embedder=embedder))
    if report.failed:
        raise BenchFailed(f"ingest failed for {report.failed[0][1]}")
    reingest_s, again = _timed(lambda: ingest([folder], settings, embedder=embedder))
    if again.changed or again.chunks_embedded:
        raise BenchFailed(f"re-ingesting the unchanged corpus did work: {again.summary()}")

    searcher = Searcher(settings, embedder=embedder)
    sentences = searcher.store.sentences.count()
    with _one_torch_thread():
        for question in [k.question for k in spec.queries.known[:WARM_UP]]:
            answer_question(question, searcher)
        retrieval_ms, hits = [], 0
        for known in spec.queries.known:
            seconds, found = _timed(lambda: searcher.retrieve(known.question, K))
            retrieval_ms.append(seconds * 1000)
            hits += any(is_relevant(p.text, q) for p in found.passages[:K] for q in known.quotes)
        for question in spec.queries.synthetic:
            seconds, _ = _timed(lambda: searcher.retrieve(question, K))
            retrieval_ms.append(seconds * 1000)
        answer_ms = [_timed(lambda: answer_question(q, searcher))[0] * 1000 for q in spec.queries.answers]

    return Measurement(
        chunks=report.chunks_embedded,
        documents=len(report.added),
        sentences=sentences,
        ingest_s=ingest_s,
        reingest_s=reingest_s,
        embed_sample_chunks=len(chunk_texts),
        embed_s=chunk_s + sentence_s,
        embed_chunk_texts_s=chunk_s,
        retrieval_ms=tuple(retrieval_ms),
        answer_ms=tuple(answer_ms),
        known_hits=hits,
        known_questions=len(spec.queries.known),
        peak_rss_mb=_peak_rss_mb(),
        disk_mb=_disk_mb([Path(p) for p in spec.disk_paths]),
    )


def llama_documents(sources: Sequence[Any]) -> list[Any]:
    """The files as llama-index ``Document``s, loaded and cleaned as Quorum loads them (as evals/systems.py)."""
    from llama_index.core import Document

    from ingest.cleaning import clean_text
    from ingest.loaders import load_file

    documents = []
    for source in sources:
        loaded = load_file(source.path)
        documents.append(Document(text=clean_text(loaded.text, loaded.format), id_=source.doc_id))
    return documents


def measure_baseline(spec: Spec) -> Measurement:
    import chromadb
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from ingest.pipeline import discover
    from retrieval.embedding import resolve_model_path
    from retrieval.settings import load_settings

    folder = Path(spec.folder)
    settings = load_settings(home=Path(spec.home), corpus=folder, chroma_url=spec.chroma_url)
    embed_model = HuggingFaceEmbedding(
        model_name=resolve_model_path(settings.embedding_model), device="cpu", show_progress_bar=False
    )
    sources, _ = discover([folder])

    # Raw embedding of its own chunks of a sample of the documents, on the very model it wraps.
    splitter = SentenceSplitter()  # what from_documents uses by default
    texts: list[str] = []
    quorum_share = max(1, spec.embed_sample // 8)  # its chunks are about 8 of Quorum's
    for source in _sample_order(sources):
        document = llama_documents([source])[0]
        texts += [n.get_content(metadata_mode=MetadataMode.EMBED) for n in splitter.get_nodes_from_documents([document])]
        if len(texts) >= quorum_share:
            break
    model = embed_model._model  # the SentenceTransformer llama-index calls
    encode = lambda batch: model.encode(  # noqa: E731
        batch, batch_size=settings.embed_batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    encode(texts[: settings.embed_batch_size])  # warm-up
    embed_s, _ = _timed(lambda: encode(texts))

    if spec.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(spec.chroma_url)
        client = chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000)
    else:
        client = chromadb.PersistentClient(path=str(settings.chroma_path))
    collection = client.get_or_create_collection("baseline")
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))

    def build() -> Any:
        return VectorStoreIndex.from_documents(llama_documents(sources), storage_context=storage, embed_model=embed_model)

    ingest_s, index = _timed(build)
    chunks = collection.count()
    disk_mb = _disk_mb([Path(p) for p in spec.disk_paths])
    retriever = index.as_retriever(similarity_top_k=K)
    with _one_torch_thread():
        for known in spec.queries.known[:WARM_UP]:
            retriever.retrieve(known.question)
        retrieval_ms, hits = [], 0
        for known in spec.queries.known:
            seconds, found = _timed(lambda: retriever.retrieve(known.question))
            retrieval_ms.append(seconds * 1000)
            hits += any(is_relevant(hit.node.get_content(), q) for hit in found[:K] for q in known.quotes)
        for question in spec.queries.synthetic:
            seconds, _ = _timed(lambda: retriever.retrieve(question))
            retrieval_ms.append(seconds * 1000)
    reingest_s, _ = _timed(build)  # llama-index re-embeds and re-adds every chunk

    return Measurement(
        chunks=chunks,
        documents=len(sources),
        sentences=0,
        ingest_s=ingest_s,
        reingest_s=reingest_s,
        embed_sample_chunks=len(texts),
        embed_s=embed_s,
        embed_chunk_texts_s=embed_s,
        retrieval_ms=tuple(retrieval_ms),
        answer_ms=tuple(retrieval_ms),  # its answer is its top passage
        known_hits=hits,
        known_questions=len(spec.queries.known),
        peak_rss_mb=_peak_rss_mb(),
        disk_mb=disk_mb,
    )


# --- targets and the terminal report -----------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    target: str
    where: str
    value: str
    met: bool


def verdicts(results: Sequence[BenchResult]) -> list[Verdict]:
    """Each target, judged on Quorum's numbers (the largest size measured stands in for 100k)."""
    if not results:
        return []
    largest = max(r.target_chunks for r in results)
    found: list[Verdict] = []
    note = "" if largest >= TARGET_SIZE else f" (largest run: {largest:,})"
    for r in results:
        q = r.quorum
        where = f"{r.target_chunks:,} {q.mode}"
        found.append(Verdict(f"ingest ≥ {TARGET_INGEST_RATIO}× raw embedding", where, f"{q.ingest_ratio:.2f}×",
                             q.ingest_ratio >= TARGET_INGEST_RATIO))
        rss = q.peak_rss_mb + (q.server_peak_rss_mb or 0)
        found.append(Verdict("peak RSS ≤ 3 GB (app + server)", where, f"{rss:,.0f} MB", rss <= TARGET_PEAK_RSS_MB))
        if r.target_chunks == largest:
            found.append(Verdict(f"retrieval p95 ≤ 100 ms at 100k{note}", where, f"{q.retrieval_p95_ms:.0f} ms",
                                 q.retrieval_p95_ms <= TARGET_RETRIEVAL_P95_MS))
            found.append(Verdict(f"unchanged re-ingest < 5% of first at 100k{note}", where,
                                 f"{q.reingest_ratio:.2%}", q.reingest_ratio < TARGET_REINGEST_RATIO))
    return found


def print_results(results: Sequence[BenchResult], console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"Scale benchmark ({date.today().isoformat()})", title_justify="left")
    for name, justify in (
        ("chunks", "right"), ("mode", "left"), ("system", "left"), ("ingest c/s", "right"),
        ("raw embed c/s", "right"), ("ratio", "right"), ("retr p50", "right"), ("retr p95", "right"),
        ("answer p95", "right"), ("re-ingest", "right"), ("peak RSS MB", "right"), ("disk MB", "right"),
        ("hit@5", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in results:
        for label, s in (("quorum", r.quorum), ("llama-index default", r.baseline)):
            rss = f"{s.peak_rss_mb:,.0f}" + (f" + {s.server_peak_rss_mb:,.0f}" if s.server_peak_rss_mb else "")
            table.add_row(
                f"{s.chunks:,}", s.mode, label, f"{s.ingest_chunks_per_s:.1f}", f"{s.embed_chunks_per_s:.1f}",
                f"{s.ingest_ratio:.2f}", f"{s.retrieval_p50_ms:.0f} ms", f"{s.retrieval_p95_ms:.0f} ms",
                f"{s.answer_p95_ms:.0f} ms", f"{s.reingest_ratio:.1%}", rss, f"{s.disk_mb:,.1f}",
                f"{s.known_hit_at_5:.2f}",
            )
    console.print(table)
    console.print(
        "c/s: chunks per second (each system's own chunks). raw embed: the same model on the same texts, "
        "Quorum's chunk and sentence texts. RSS: app process (+ Chroma server).",
        style="dim",
    )
    for r in results:
        q = r.quorum
        console.print(
            f"{q.chunks:,} chunks, {q.mode}: Quorum also embeds {q.sentences:,} sentences; its chunk texts alone "
            f"embed at {q.embed_chunk_texts_per_s:.1f} c/s raw (with sentences {q.embed_chunks_per_s:.1f}).",
            style="dim", highlight=False,
        )
    checks = Table(title="Targets", title_justify="left")
    for name in ("target", "where", "value", "met"):
        checks.add_column(name)
    for v in verdicts(results):
        checks.add_row(v.target, v.where, v.value, "[green]yes[/green]" if v.met else "[red]no[/red]")
    console.print(checks)


# --- the command -------------------------------------------------------------------------------


def parse_sizes_and_modes(values: Sequence[str]) -> tuple[list[int], list[str]]:
    """``["1000", "10k,100k", "server"]`` → ([1000, 10000, 100000], ["server"]): numbers are sizes, names modes."""
    sizes: list[int] = []
    modes: list[str] = []
    for value in values:
        for token in filter(None, (t.strip().lower() for t in value.split(","))):
            if token in MODES:
                modes.append(token)
                continue
            scale = 1_000 if token.endswith("k") else 1
            try:
                size = int(float(token.removesuffix("k")) * scale)
            except ValueError:
                raise ConfigError(f"{token!r} is neither a corpus size (1000, 10k) nor a mode ({', '.join(MODES)})") from None
            if size < 1:
                raise ConfigError(f"corpus size {token!r} must be at least 1 chunk")
            sizes.append(size)
    return list(dict.fromkeys(sizes)), list(dict.fromkeys(modes))


def bench_command(
    more: Annotated[list[str] | None, typer.Argument(hidden=True, metavar="")] = None,
    chunks: Annotated[
        list[str] | None,
        typer.Option("--chunks", help="Corpus sizes in chunks: --chunks 1000 10000 100000 (default those three; "
                                      "--quick: 1000)."),
    ] = None,
    modes: Annotated[
        list[str] | None, typer.Option("--modes", help="Store modes: --modes embedded server (default both).")
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="1000 chunks, both modes, a small query sample: the CI run.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per corpus size and store mode, one per line.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic documents.")] = 0,
    embed_sample: Annotated[
        int | None,
        typer.Option("--embed-sample", min=1, help="Chunks whose texts are embedded raw for the physical limit "
                                                   "(default 2000; --quick: 300)."),
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="Folder for corpora and stores (default: a temporary one, removed after)."),
    ] = None,
) -> None:
    """Scale benchmark: ingest throughput, query latency, memory and disk, at 1k to 100k chunks, against llama-index."""
    from rich.console import Console

    errors = Console(stderr=True)
    console = Console() if sys.stdout.isatty() else Console(width=180)
    try:
        sizes, named_modes = parse_sizes_and_modes([*(chunks or []), *(modes or []), *(more or [])])
        plan = Plan(
            sizes=sizes or ([QUICK_SIZE] if quick else list(FULL_SIZES)),
            modes=[m for m in MODES if m in named_modes] or list(MODES),
            quick=quick,
            seed=seed,
            embed_sample=embed_sample or (300 if quick else 2_000),
            workdir=workdir,
        )
        began = time.perf_counter()
        results = []

        def step(what: str) -> None:
            errors.print(f"[dim]{time.perf_counter() - began:7.0f}s[/dim] {what}", highlight=False)

        for result in run_bench(plan, step):
            results.append(result)
            if as_json:
                sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                sys.stdout.flush()
        step("done")
    except QuorumError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if not as_json:
        print_results(results, console)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        _child(sys.argv[2])
    else:
        typer.run(bench_command)


if __name__ == "__main__":
    main()
