"""Per-host files of each generation's lexical arrays: built once per host, memory-mapped by every worker.

Layout: ``<root>/<store>/g<generation>-b<born>-v<version>/`` (see
``lexical_arrays`` for the files). ``store`` is a hash of the database URL, so
installations sharing a host never share files; ``born`` tells two lives of
one generation number apart; ``version`` is the store version the files
reflect. Every change after that version reaches a worker through the overlay
(``LexicalSnapshot.with_changes``), exactly as after an in-memory build, so a
file may be older than the shared version without serving anything stale.

A directory is written under a temporary name and renamed into place while
``<root>/<store>/.build.lock`` (flock) is held: the workers of a host build a
generation once, the others wait and map it. The database stays the truth:
missing, foreign or damaged files are rebuilt from it; files with too many
changes after them are replaced by a newer build; files of generations no
longer served are deleted. If the directory cannot be written or the lock is
not granted in time, the arrays are built in memory as before.

The build runs in a short-lived child process (``python -m
retrieval.lexical_cache``, the database URL on its standard input): its
transient memory, a few hundred MB at 100,000 profiles, is returned to the
system when it exits, so even the first worker on a host stays as small as the
others. If the child fails, the process builds the files itself.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .docstore import IndexState, IndexStore
from .lexical_arrays import CorruptFiles, LexicalArrays, build_arrays, open_arrays, write_arrays

log = logging.getLogger(__name__)

_NAME = re.compile(r"^g(\d+)-b(\d+)-v(\d+)$")
_TMP = ".tmp-"
LOCK = ".build.lock"


@dataclass(frozen=True)
class Loaded:
    """Arrays of one generation and the store version they reflect."""

    arrays: LexicalArrays
    version: int
    # Where they are mapped from (None: held in memory because no file could be written).
    path: Path | None
    # This process read the doc store to build them.
    built: bool


@dataclass(frozen=True)
class _Entry:
    path: Path
    generation: int
    born: int
    version: int


class LexicalFileCache:
    def __init__(self, root: Path, store: IndexStore, *, rebuild_after: int = 250,
                 lock_timeout: float = 600.0, build_in_child: bool = True) -> None:
        """``rebuild_after``: more documents changed after a file's version than this and a newer one is built
        (the overlay would otherwise start out big and soon force a reload). ``build_in_child``: build the
        files in a child process (see the module's docstring)."""
        self.store = store
        self.build_in_child = build_in_child
        # Peak memory (VmHWM, MB) of the last child that built files, for benchmarks.
        self.child_peak_mb: float | None = None
        self.dir = Path(root) / hashlib.sha256(store.identity().encode("utf-8")).hexdigest()[:16]
        self.rebuild_after = rebuild_after
        self.lock_timeout = lock_timeout
        # How often this process built arrays from the doc store (tests, benchmarks).
        self.builds = 0

    def load(self, state: IndexState) -> Loaded:
        """The served generation's arrays: mapped from a usable file, else built (once per host) and written."""
        generation = state.generation
        born = self.store.born(generation)
        found = self._find(generation, born, state.version)
        if found is not None:
            return found
        try:
            with self._locked():
                # Another process may have written it while we waited; damaged files are removed now.
                found = self._find(generation, born, state.version, remove_bad=True)
                if found is not None:
                    return found
                return self._build(state, born)
        except (OSError, TimeoutError) as exc:
            log.warning("Lexical index files unavailable in %s (%s); building in memory", self.dir, exc)
            return Loaded(self._read(generation), state.version, None, True)

    # -- finding ---------------------------------------------------------------
    def _entries(self) -> list[_Entry]:
        try:
            names = os.listdir(self.dir)
        except OSError:  # not created yet, or not usable (``load`` then builds in memory)
            return []
        entries = []
        for name in names:
            match = _NAME.match(name)
            if match:
                entries.append(_Entry(self.dir / name, *(int(g) for g in match.groups())))
        return entries

    def _find(self, generation: int, born: int, version: int, *, remove_bad: bool = False) -> Loaded | None:
        """The newest intact file of this generation that is not ahead of the store and not too far behind."""
        candidates = sorted((e for e in self._entries() if e.generation == generation and e.born == born),
                            key=lambda e: -e.version)
        if candidates and candidates[0].version > version:  # written after our state was read?
            fresh = self.store.state()
            version = fresh.version if fresh is not None else version
        for entry in candidates:
            if entry.version > version:  # ahead of the database (restored from a backup): never trust it
                if remove_bad:
                    self._remove(entry.path)
                continue
            changed = self.store.changed_since(generation, entry.version)
            if changed > self.rebuild_after:
                return None
            key = _key(self.store, generation, born, entry.version)
            try:
                arrays = open_arrays(entry.path, key)
            except CorruptFiles as exc:
                log.warning("Lexical index files rejected, rebuilding from the database: %s", exc)
                if remove_bad:
                    self._remove(entry.path)
                continue
            # In a small index a few changes already move the document frequencies: build it anew.
            if changed > max(16, len(arrays.ids) // 20):
                return None
            return Loaded(arrays, entry.version, entry.path, False)
        return None

    # -- building ----------------------------------------------------------------
    def _read(self, generation: int) -> LexicalArrays:
        self.builds += 1
        return build_arrays(self.store.documents(generation))

    def _build(self, state: IndexState, born: int) -> Loaded:
        """Build from the doc store at ``state.version`` (read before the documents) and publish the files."""
        final = self.dir / f"g{state.generation}-b{born}-v{state.version}"
        key = _key(self.store, state.generation, born, state.version)
        url = self.store.engine.url
        in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        if self.build_in_child and not in_memory and self._build_in_child(state.generation, final, key):
            try:
                mapped = open_arrays(final, key)
            except CorruptFiles as exc:
                log.warning("Files built by the child process are unusable (%s); building here", exc)
            else:
                self.builds += 1
                self._clean(final, state.generation, born)
                return Loaded(mapped, state.version, final, True)
        arrays = self._read(state.generation)
        try:
            publish(arrays, final, key)
            mapped = open_arrays(final, key)
        except (OSError, CorruptFiles) as exc:
            log.warning("Could not write lexical index files to %s (%s); keeping them in memory", final, exc)
            return Loaded(arrays, state.version, None, True)
        self._clean(final, state.generation, born)
        return Loaded(mapped, state.version, final, True)

    def _build_in_child(self, generation: int, final: Path, key: dict[str, object]) -> bool:
        """Let a child process read the doc store and write ``final``; False if it did not succeed."""
        job = {"url": self.store.engine.url.render_as_string(hide_password=False), "generation": generation,
               "directory": str(final), "key": key}
        try:
            result = subprocess.run([sys.executable, "-m", "retrieval.lexical_cache"], input=json.dumps(job),
                                    capture_output=True, text=True, timeout=self.lock_timeout,
                                    env={**os.environ, "PYTHONPATH": _import_path()})
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("Could not run the lexical index build in a child process: %s", exc)
            return False
        if result.returncode != 0:
            log.warning("Lexical index build in a child process failed (%s): %s", result.returncode,
                        result.stderr[-2000:])
            return False
        try:
            self.child_peak_mb = float(json.loads(result.stdout.strip().splitlines()[-1])["peak_rss_mb"])
        except (ValueError, KeyError, IndexError):
            self.child_peak_mb = None
        return True

    def _clean(self, kept: Path, generation: int, born: int) -> None:
        """Remove files no process should map any more (processes that mapped them keep their pages)."""
        current = self.store.state()
        live = {current.generation, current.previous_generation, current.building_generation} if current else set()
        newest: dict[int, int] = {}
        for entry in self._entries():
            newest[entry.generation] = max(newest.get(entry.generation, -1), entry.version)
        for entry in self._entries():
            if entry.path == kept:
                continue
            if entry.generation not in live or entry.version < newest[entry.generation] or (
                    entry.generation == generation and entry.born != born):
                self._remove(entry.path)
        for name in os.listdir(self.dir):
            if name.startswith(_TMP):  # left by a builder that died (builders hold the lock)
                self._remove(self.dir / name)

    # -- helpers -----------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / LOCK, "a+b") as handle:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{self.dir / LOCK} held longer than {self.lock_timeout:.0f} s")
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    @staticmethod
    def _remove(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)


def _key(store: IndexStore, generation: int, born: int, version: int) -> dict[str, object]:
    return {"store": store.identity(), "generation": generation, "born": born, "version": version}


def publish(arrays: LexicalArrays, final: Path, key: dict[str, object]) -> None:
    """Write ``arrays`` beside ``final`` and rename them into place (the caller holds the host's lock)."""
    temporary = final.with_name(f"{_TMP}{final.name}-{os.getpid()}")
    LexicalFileCache._remove(temporary)
    try:
        write_arrays(arrays, temporary, key)
        LexicalFileCache._remove(final)  # a damaged copy under the same name
        os.rename(temporary, final)
    finally:
        LexicalFileCache._remove(temporary)


def _import_path() -> str:
    """``PYTHONPATH`` for the child: where this package was imported from, then the inherited path."""
    here = str(Path(__file__).resolve().parents[1])
    inherited = os.environ.get("PYTHONPATH")
    return os.pathsep.join([here, inherited] if inherited else [here])


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _child_main() -> int:
    """Body of ``python -m retrieval.lexical_cache``: build one generation's files (job as JSON on stdin)."""
    from sqlalchemy import MetaData, create_engine

    from .schema import define_tables

    job = json.loads(sys.stdin.read())
    engine = create_engine(job["url"])
    try:
        store = IndexStore(engine, define_tables(MetaData()))
        publish(build_arrays(store.documents(int(job["generation"]))), Path(job["directory"]), job["key"])
    finally:
        engine.dispose()
    print(json.dumps({"peak_rss_mb": _peak_rss_mb()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main())
