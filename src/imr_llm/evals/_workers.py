"""`run_eval(..., workers=N)` / `imr-llm eval ... --workers N`: the samples' drafting work in N
worker processes, every model call still made by this process.

Why: drafting a sample costs the client 10-15 ms of Python (routing, the checklist, the
precedents classifier, grounding) and threads share one core (the GIL), so a fast endpoint at
32 concurrent calls waits on the client. With workers, each child process runs its share of the
samples' flows on its own threads; when a flow asks the model (`structured`, `label_probs`), the
child sends the call to the parent, which makes it on its own thread pool with the one real
`Model` and sends back the answer or the error. So the egress policy, keys, the response cache,
`--max-calls` / token budgets and Ctrl-C's `stop_requests` stay in one process, exactly as with
threads; a child never opens a connection or the cache.

Children are forked (they inherit the loaded guideline library, precedents and prompts; nothing
is pickled but samples, model calls, answers and results), so this needs the `fork` start
method (Linux, macOS). They ignore SIGINT: on Ctrl-C the parent stops them, keeps what finished
and raises `Interrupted`, like the threaded runner. A child that dies stops the run with an
error; what finished is kept, and `--resume` runs the rest. Results are written in completion
order (metrics are read by sample id, not by line). A predictor without a `Model` in its
`model` attribute (a baseline, a custom object) runs in the children as it is: whatever state
it keeps (a test fake's call list) stays in the child that ran the sample.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import itertools
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from tqdm import tqdm

from imr_llm._errors import ImrLlmError, InputError
from imr_llm.evals._predictors import prepare
from imr_llm.evals._results import ResultsWriter, SampleResult
from imr_llm.evals._samples import Sample
from imr_llm.llm._client import stop_requests
from imr_llm.llm._model import Completion, Model, Usage

POLL_S = 0.1
"""How often the parent wakes while it waits for results (Ctrl-C and dead children are seen)."""

IN_FLIGHT = 1.5
"""Samples in flight (each with a worker thread) per allowed model call, so that samples draft
while others wait on their calls. Measured at 32 connections on 2 cores (efficiency, runs
interleaved): 1 -> 0.63-0.68, 1.25 -> 0.70-0.74, 1.5 -> 0.70-0.76, 2 -> 0.68-0.72, 3 ->
0.68-0.74 (more threads contend for each process's GIL)."""

Predict = Callable[[Any, Sample], tuple[SampleResult, ImrLlmError | None]]


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


AUTO_MIN_CONCURRENCY = 8
"""`auto_workers`: below this many model calls in flight one process keeps up (measured at 8
connections on 2 cores: threads 0.80-0.85 of ideal throughput, 2 workers 0.90)."""


def auto_workers(max_concurrency: int, *, batch: bool = False) -> int:
    """The `--workers` default: one per CPU (at most 4) when `max_concurrency` is high enough
    for drafting's CPU to be the limit and processes can be forked; else 1 (threads)."""
    if batch or not can_fork() or max_concurrency < AUTO_MIN_CONCURRENCY:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def check_workers(workers: int) -> None:
    """Refuse `workers` > 1 where processes cannot be forked (Windows)."""
    if workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})")
    if workers > 1 and not can_fork():
        raise InputError("--workers > 1 needs the 'fork' start method (Linux, macOS)")


@dataclass(frozen=True)
class WireError:
    """An exception on its way through a pipe: its class, args and attributes (rebuilt without
    calling `__init__`, so keyword-only constructors and extra attributes survive)."""

    cls: type[BaseException]
    args: tuple[Any, ...]
    state: dict[str, Any]

    @classmethod
    def of(cls, exc: BaseException) -> WireError:
        """`exc` as far as it pickles: attributes that do not (an HTTP response held by a
        client error) are dropped, and args that do not become the message alone."""
        args: tuple[Any, ...] = exc.args
        state = {k: v for k, v in getattr(exc, "__dict__", {}).items() if _pickles(v)}
        if not _pickles(args):
            args = (str(exc),)
        return cls(type(exc), args, state)

    def rebuild(self) -> BaseException:
        exc = self.cls.__new__(self.cls)
        exc.args = self.args
        exc.__dict__.update(self.state)
        return exc


def _pickles(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class _PackedCompletion:
    """A `Completion[T]` through a pipe: a parametrized generic class does not pickle by
    reference, so the child rebuilds it from the value's own class."""

    value: Any
    usage: Usage
    cached: bool


def _pack(value: Any) -> Any:
    if isinstance(value, Completion):
        return _PackedCompletion(value.value, value.usage, value.cached)
    return value


def _unpack(value: Any) -> Any:
    if isinstance(value, _PackedCompletion):
        generic: Any = Completion  # parametrized at run time with the value's class
        return generic[type(value.value)](value=value.value, usage=value.usage, cached=value.cached)
    return value


class _Link:
    """One child's end of its pipe: thread-safe sends, and model calls waiting for answers."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._send_lock = threading.Lock()
        self._calls: dict[int, Future[Any]] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            self.conn.send(message)

    def call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        future: Future[Any] = Future()
        with self._lock:
            call_id = next(self._ids)
            self._calls[call_id] = future
        self.send(("call", call_id, method, args, kwargs))
        return future.result()

    def answer(self, call_id: int, value: Any, error: WireError | None) -> None:
        with self._lock:
            future = self._calls.pop(call_id)
        if error is not None:
            future.set_exception(error.rebuild())
        else:
            future.set_result(_unpack(value))


class ProxyModel(Model):
    """The model a child's flows see: every method call is made by the parent's real model;
    plain attributes (`name`, settings) are read from the inherited copy."""

    def __init__(self, real: Model, link: _Link) -> None:
        self._real = real
        self._link = link
        self.name = real.name

    def structured(self, messages: Any, response_model: Any, **kwargs: Any) -> Any:
        return self._link.call("structured", (messages, response_model), kwargs)

    def label_probs(self, messages: Any, labels: Any, **kwargs: Any) -> Any:
        return self._link.call("label_probs", (messages, labels), kwargs)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real, name)
        if callable(value):
            return lambda *args, **kwargs: self._link.call(name, args, kwargs)
        return value


@dataclass(frozen=True)
class _Shares:
    """Which worker prepares (and then drafts) the samples of each `prepare_key`: keys are
    dealt in the samples' order to the worker with the fewest samples so far, so that the
    samples in flight at any time are spread over the workers too."""

    key_of: Callable[[Sample], Hashable]
    owner: dict[Hashable, int]

    @classmethod
    def of(cls, predictor: Any, todo: Sequence[Sample], workers: int) -> _Shares | None:
        """None when the predictor prepares nothing per key, or has too few keys to share
        (it then prepares in the parent, before the fork, for every worker)."""
        key_of = getattr(predictor, "prepare_key", None)
        if getattr(predictor, "prepare", None) is None or key_of is None:
            return None
        counts: dict[Hashable, int] = {}
        for sample in todo:  # one pass: a lazy dataset stays lazy
            key = key_of(sample)
            counts[key] = counts.get(key, 0) + 1
        if len(counts) < 2 * workers:
            return None
        load = [0] * workers
        owner: dict[Hashable, int] = {}
        for key, n in counts.items():
            owner[key] = min(range(workers), key=load.__getitem__)
            load[owner[key]] += n
        return cls(key_of, owner)

    def prepare(self, predictor: Any, todo: Sequence[Sample], worker: int) -> None:
        predictor.prepare(s for s in todo if self.owner.get(self.key_of(s)) == worker)


def _child(
    conn: Connection,
    predictor: Any,
    threads: int,
    predict: Predict,
    share: tuple[_Shares, Sequence[Sample], int] | None = None,
) -> None:
    """A worker process: prepare its share of the samples (`share`: the shares, the samples,
    this worker's number), then run each sample it is sent on its threads and send back the
    result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    if share is not None:
        share[0].prepare(predictor, share[1], share[2])
    link = _Link(conn)
    local = predictor
    real = getattr(predictor, "model", None)
    if isinstance(real, Model):
        local = copy.copy(predictor)
        local.model = ProxyModel(real, link)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="imr-llm-worker")

    def run(index: int, sample: Sample) -> None:
        try:
            result, failure = predict(local, sample)
            wired = None if failure is None else WireError.of(failure)
            link.send(("result", index, result.model_dump_json(), result.ok, wired))
        except BaseException as exc:  # a bug: the parent stops the run with it
            link.send(("crash", index, WireError.of(exc)))

    try:
        while True:
            message = conn.recv()
            if message[0] == "sample":
                pool.submit(run, message[1], message[2])
            elif message[0] == "answer":
                link.answer(message[1], message[2], message[3])
            else:  # "stop"
                break
    except (EOFError, OSError):  # the parent is gone
        pass
    os._exit(0)  # threads may still wait on answers that will never come


@dataclass
class _Worker:
    process: Any
    conn: Connection
    lock: threading.Lock
    reader: threading.Thread | None = None

    def send(self, message: tuple[Any, ...]) -> None:
        with self.lock:
            self.conn.send(message)


def _serve(
    worker: _Worker, model: Model | None, calls: ThreadPoolExecutor, inbox: queue.Queue[Any]
) -> None:
    """Parent side of one child's pipe: make its model calls, pass its results on."""

    def make(call_id: int, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            if model is None:
                raise ImrLlmError(f"worker asked for model.{method} but the predictor has none")
            value = getattr(model, method)(*args, **kwargs)
            reply: tuple[Any, ...] = ("answer", call_id, _pack(value), None)
        except BaseException as exc:
            reply = ("answer", call_id, None, WireError.of(exc))
        try:
            worker.send(reply)
        except (OSError, ValueError):  # the child is gone (stopped or died)
            return
        except Exception as exc:  # an answer that does not pickle: the flow gets the error
            worker.send(("answer", call_id, None, WireError.of(exc)))

    while True:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            inbox.put(("gone", worker))
            return
        if message[0] == "call":
            calls.submit(make, *message[1:])
        else:
            inbox.put(message)


def run_samples_in_processes(
    predictor: Any,
    todo: Sequence[Sample],
    writer: ResultsWriter,
    *,
    workers: int,
    max_concurrency: int,
    total: int,
    progress: bool,
    label: str,
    predict: Predict,
    on_result: Callable[[bool, ImrLlmError | None], None],
    interrupted: Callable[[int], BaseException],
) -> None:
    """Run `todo` on `workers` forked children with `max_concurrency` model calls in flight in
    all. A child sends each result as its results.jsonl line (serialised there, written here
    as it is). `on_result(ok, failure)` is called (in this thread) for each result after it is
    written, and may raise to stop the run (the runner's abort rule); `interrupted(kept)` is
    the exception raised on Ctrl-C."""
    check_workers(workers)
    ctx = multiprocessing.get_context("fork")
    model = getattr(predictor, "model", None)
    # A sample holds its thread while it drafts as well as while its call waits, so with only
    # `max_concurrency` threads the connections idle while samples draft: the children get
    # IN_FLIGHT times that (every sample in flight has a thread), and the parent's call pool
    # below keeps at most `max_concurrency` calls in flight.
    threads = max(1, int(-(-IN_FLIGHT * max_concurrency // workers)))
    # What the predictor fits before the samples run (the precedents classifier of each
    # left-out letter) is fitted by the workers, each for the samples it will be given, at the
    # same time; else here, before the fork, for all of them.
    shares = _Shares.of(predictor, todo, workers)
    if shares is None:
        prepare(predictor, todo)
    pool: list[_Worker] = []
    # What the children inherit is never collected there: frozen, their collections do not
    # walk (and so copy, page by page) the parent's objects (the `gc.freeze` recipe for fork).
    gc.freeze()
    try:
        for number in range(workers):
            parent_end, child_end = ctx.Pipe()
            share = None if shares is None else (shares, todo, number)
            process = ctx.Process(
                target=_child, args=(child_end, predictor, threads, predict, share), daemon=True
            )
            process.start()
            child_end.close()
            pool.append(_Worker(process, parent_end, threading.Lock()))
    finally:
        gc.unfreeze()
    calls = ThreadPoolExecutor(
        max_workers=max(1, max_concurrency), thread_name_prefix="imr-llm-call"
    )
    inbox: queue.Queue[Any] = queue.Queue()
    for worker in pool:
        worker.reader = threading.Thread(
            target=_serve,
            args=(worker, model if isinstance(model, Model) else None, calls, inbox),
            daemon=True,
        )
        worker.reader.start()
    bar = tqdm(
        total=total, initial=total - len(todo), desc=label, file=sys.stderr, disable=not progress
    )
    samples = iter(enumerate(todo))
    in_flight = {id(w): 0 for w in pool}
    limit = int(IN_FLIGHT * max(1, max_concurrency))  # at most this many sent and not finished
    owner: dict[int, _Worker] = {}
    kept = 0
    stopped = False

    def stopped_error(worker: _Worker) -> ImrLlmError:
        worker.process.join(timeout=1.0)
        return ImrLlmError(
            f"a worker process stopped (exit code {worker.process.exitcode}) with samples "
            f"unfinished; {kept} finished sample(s) kept in {writer.path} (--resume runs the rest)"
        )

    def refill() -> None:
        while sum(in_flight.values()) < limit:
            item = next(samples, None)
            if item is None:
                return
            if shares is not None:  # the worker that prepared it
                worker = pool[shares.owner.get(shares.key_of(item[1]), 0)]
            else:
                worker = min(pool, key=lambda w: in_flight[id(w)])
            try:
                worker.send(("sample", item[0], item[1]))
            except (OSError, ValueError):  # it died since its last result
                raise stopped_error(worker) from None
            in_flight[id(worker)] += 1
            owner[item[0]] = worker

    try:
        refill()
        while owner:
            try:
                message = inbox.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if message[0] == "gone":
                raise stopped_error(message[1])
            if message[0] == "crash":
                raise message[2].rebuild()
            _, index, line, ok, failure = message
            worker = owner.pop(index)
            in_flight[id(worker)] -= 1
            writer.write_line(line)
            kept += 1
            bar.update(1)
            on_result(ok, None if failure is None else failure.rebuild())
            refill()
    except KeyboardInterrupt:
        stopped = True
        stop_requests()
        raise interrupted(kept) from None
    finally:
        for worker in pool:
            if not stopped and worker.process.is_alive():
                with contextlib.suppress(OSError, ValueError):
                    worker.send(("stop",))
        for worker in pool:
            worker.process.join(timeout=0 if stopped else 5.0)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5.0)
            if worker.reader is not None:  # it sees the child's end close, then returns
                worker.reader.join(timeout=5.0)
            worker.conn.close()
        # normally every call has answered by now; after an error or Ctrl-C no answer has anywhere
        # to go, so nothing waits for calls still in flight
        calls.shutdown(wait=False, cancel_futures=True)
        bar.close()
