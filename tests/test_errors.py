"""The error tree: every error Quorum raises belongs to one category a caller can catch."""

from __future__ import annotations

import ingest.sources.moderngov
import ingest.sources.registry
import ingest.sources.sync
import retrieval.follows.service
import retrieval.follows.store
import retrieval.llm  # noqa: F401  (each defines errors of its own)
from retrieval import errors

CATEGORIES = (errors.ReaderError, errors.DocumentError, errors.StoreError, errors.ModelError, errors.SiteError,
              errors.ConfigError)


def _all(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_all(sub))]


def test_every_error_is_in_exactly_one_category_and_the_docstring_draws_it() -> None:
    leaves = [c for c in _all(errors.QuorumError) if c not in CATEGORIES and not c.__name__.startswith("_")]
    assert [c.__name__ for c in leaves if sum(issubclass(c, k) for k in CATEGORIES) != 1] == []
    drawn = errors.__doc__ or ""
    assert [c.__name__ for c in (*CATEGORIES, *leaves) if c.__name__ not in drawn] == []
