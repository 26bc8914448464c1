"""Ranking metrics with binary relevance.

Recall@k is capped (``|relevant ∩ top-k| / min(k, |relevant|)``) so that a
query whose process exists in six towns is not penalised at k=1 for the
five variants it cannot show. ``success@5`` (at least one relevant hit in the
top five) is reported beside it: it says how often a user finds *a* right
process at once, where Recall@5 also asks for all of its variants.
"""

from __future__ import annotations

import math
from typing import Sequence


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / min(k, len(relevant))


def success_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if set(ranked[:k]) & relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    for rank, item in enumerate(ranked[:k], start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, item in enumerate(ranked[:k], start=1) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def summarise(rankings: list[tuple[Sequence[str], set[str]]]) -> dict[str, float]:
    n = len(rankings) or 1
    return {
        "recall@1": round(sum(recall_at(r, rel, 1) for r, rel in rankings) / n, 4),
        "recall@5": round(sum(recall_at(r, rel, 5) for r, rel in rankings) / n, 4),
        "mrr": round(sum(reciprocal_rank(r, rel) for r, rel in rankings) / n, 4),
        "ndcg@10": round(sum(ndcg_at(r, rel) for r, rel in rankings) / n, 4),
        "success@5": round(sum(success_at(r, rel, 5) for r, rel in rankings) / n, 4),
    }
