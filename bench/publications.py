"""Publishing, editing and unpublishing while others search: does every worker see every change?

A ``Publisher`` changes profiles through the API the way modellers do (BPMN
import, submit, approve, publish; rename the published profile; archive it)
and records, for each change, which title a search for it must find or no
longer find from when on. ``Searcher`` threads search for those titles
and note which worker answered (``X-Worker-Pid``). ``evaluate`` then counts
errors, degraded answers and stale results (a search that started more than
``grace`` seconds after a change and still shows the old state), and how long
each change took to reach each worker.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

# Words no demo or KOOS profile contains, so each title names exactly one profile.
WORDS = [
    "Zaunkönigfütterung", "Laternenpatenschaft", "Brunnenpatenschaft", "Glockenturmbesteigung",
    "Streuobstwiesenpacht", "Storchennestkontrolle", "Kopfweidenpflege", "Trockenmauersanierung",
    "Kirschbaumpatenschaft", "Heckenschnittprämie", "Bienenweidenaussaat", "Fledermauskastenpflege",
    "Wegkreuzrestaurierung", "Dorfteichentschlammung", "Maibaumaufstellung", "Kräutergartenpacht",
    "Eisvogelbrutwand", "Hochsitzrückbau", "Lesesteinhaufenpflege", "Brennholzlosvergabe",
]


@dataclass(frozen=True)
class Expectation:
    query: str
    title: str
    present: bool
    at: float  # the API answered: the change is committed
    sent: float = 0.0  # the request was sent: from here on a search may already see the change


@dataclass(frozen=True)
class Observation:
    started: float
    ended: float
    query: str
    worker: str
    titles: tuple[str, ...]
    error: str | None = None
    degraded: bool = False
    index: str = ""  # generation.version the worker answered from


@dataclass
class Journal:
    expectations: list[Expectation] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expect(self, *items: Expectation) -> None:
        with self.lock:
            self.expectations.extend(items)

    def observe(self, item: Observation) -> None:
        with self.lock:
            self.observations.append(item)

    def queries(self) -> list[str]:
        with self.lock:
            return sorted({e.query for e in self.expectations})


class Publisher:
    """Changes profiles through the API: ``author`` imports and submits, ``reviewer`` approves and publishes."""

    def __init__(self, base: str, author: dict[str, str], reviewer: dict[str, str], bpmn: bytes,
                 journal: Journal) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.author, self.reviewer, self.bpmn, self.journal = author, reviewer, bpmn, journal
        self.words = list(WORDS)
        random.Random(7).shuffle(self.words)

    def _call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
        response = self.client.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return response.json()

    def publish(self) -> tuple[int, str]:
        """A new profile goes through review and is published to the network."""
        title = f"{self.words.pop()} genehmigen"
        draft = self._call("POST", "/api/import/bpmn", {**self.author, "Content-Type": "application/xml"},
                           content=self.bpmn)
        pid = draft["id"]
        self._call("PATCH", f"/api/drafts/{pid}", self.author, json={"title": title})
        self._call("POST", f"/api/drafts/{pid}/submit", self.author)
        self._call("POST", f"/api/drafts/{pid}/review", self.reviewer, json={"decision": "approve"})
        sent = time.time()
        self._call("POST", f"/api/drafts/{pid}/publish", self.reviewer, json={"visibility": "netzwerk"})
        self.journal.expect(Expectation(title, title, True, time.time(), sent))
        return pid, title

    def edit(self, pid: int, old_title: str) -> str:
        """A modeller renames the published profile: the new title is found, the old one is gone."""
        title = f"{self.words.pop()} und {old_title}"
        sent = time.time()
        self._call("PATCH", f"/api/drafts/{pid}", self.reviewer, json={"title": title})
        at = time.time()
        self.journal.expect(Expectation(title, title, True, at, sent),
                            Expectation(old_title, old_title, False, at, sent))
        return title

    def unpublish(self, pid: int, title: str) -> None:
        sent = time.time()
        self._call("POST", f"/api/drafts/{pid}/archive", self.reviewer)
        self.journal.expect(Expectation(title, title, False, time.time(), sent))

    def cycle(self, pause: float = 2.5) -> None:
        """Publish a profile, edit it, and unpublish it again."""
        pid, title = self.publish()
        time.sleep(pause)
        new_title = self.edit(pid, title)
        time.sleep(pause)
        self.unpublish(pid, new_title)

    def close(self) -> None:
        self.client.close()


def searcher(base: str, headers: dict[str, str], journal: Journal, stop: threading.Event, seed: int,
             pause: float = 0.05) -> None:
    rng = random.Random(seed)
    # One connection per request, so the kernel spreads requests over all workers.
    while not stop.is_set():
        queries = journal.queries()
        if not queries:
            time.sleep(0.1)
            continue
        query = rng.choice(queries)
        started = time.time()
        try:
            response = httpx.get(f"{base}/api/search", params={"q": query, "k": 10, "group": "false"},
                                 headers=headers, timeout=30)
            ended = time.time()
            worker = response.headers.get("X-Worker-Pid", "?")
            if response.status_code != 200:
                journal.observe(Observation(started, ended, query, worker, (),
                                            error=f"{response.status_code} {response.text[:120]}"))
            else:
                body = response.json()
                journal.observe(Observation(started, ended, query, worker,
                                            tuple(r["title"] for r in body["results"]),
                                            degraded=bool(body.get("degraded")),
                                            index=response.headers.get("X-Index-Version", "")))
        except httpx.HTTPError as exc:
            journal.observe(Observation(started, time.time(), query, "?", (), error=f"{type(exc).__name__}: {exc}"))
        time.sleep(pause * rng.uniform(0.5, 1.5))


def _reflects(observation: Observation, expectation: Expectation) -> bool:
    return (expectation.title in observation.titles) == expectation.present


def evaluate(journal: Journal, grace: float = 2.0) -> dict[str, Any]:
    """Errors, degraded answers, stale results after ``grace`` seconds, and how long old states were seen."""
    with journal.lock:
        expectations = sorted(journal.expectations, key=lambda e: e.at)
        observations = sorted(journal.observations, key=lambda o: o.started)
    errors = [o for o in observations if o.error]
    stale = []
    for obs in observations:
        if obs.error:
            continue
        # Acceptable: the state that held ``grace`` seconds before the search started, or any
        # state that a change sent before the search ended may have set; anything older is stale.
        cutoff = obs.started - grace
        by_title: dict[str, list[Expectation]] = {}
        for e in expectations:
            if e.query == obs.query and e.sent <= obs.ended:
                by_title.setdefault(e.title, []).append(e)
        for changes in by_title.values():
            settled = [e for e in changes if e.at <= cutoff]
            allowed = settled[-1:] + [e for e in changes if e.at > cutoff]
            if settled and not any(_reflects(obs, e) for e in allowed):
                stale.append((obs, settled[-1]))
                break
    workers = sorted({o.worker for o in observations if not o.error})
    # How long after a change a search still showed the state before it (0 if none ever did): a lower
    # bound of the propagation time, measured by what clients saw, not by sampling each worker.
    lags: list[float] = []
    for obs in observations:
        if obs.error:
            continue
        for e in expectations:
            if e.query != obs.query or e.at > obs.started or _reflects(obs, e):
                continue
            newer = [x for x in expectations if x.title == e.title and e.at < x.sent <= obs.ended]
            if not newer:
                lags.append(obs.ended - e.at)
    lags.sort()
    return {
        "searches": len(observations), "errors": len(errors), "error_samples": [o.error for o in errors[:5]],
        "degraded": sum(o.degraded for o in observations), "stale": len(stale),
        "stale_samples": [{"query": o.query, "worker": o.worker, "present": e.present,
                           "seconds_after_change": round(o.started - e.at, 2), "index": o.index,
                           "titles": list(o.titles[:3])}
                          for o, e in stale[:5]],
        "changes": len(expectations), "workers": workers,
        "old_state_seen": len(lags), "old_state_seen_max_s": round(lags[-1], 3) if lags else 0.0,
    }
