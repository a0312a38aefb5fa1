"""The error tree: every error Quorum raises belongs to one category a caller can catch."""

from __future__ import annotations

import importlib

from retrieval import errors

# Modules that define errors of their own.
for module in ("ingest.sources.moderngov", "ingest.sources.registry", "ingest.sources.sync",
               "retrieval.follows.service", "retrieval.follows.store", "retrieval.llm", "evals.bench"):
    importlib.import_module(module)

CATEGORIES = (errors.ReaderError, errors.DocumentError, errors.StoreError, errors.ModelError, errors.SiteError,
              errors.ConfigError)


def _all(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_all(sub))]


def test_every_error_is_in_exactly_one_category_and_the_docstring_draws_it() -> None:
    leaves = [c for c in _all(errors.QuorumError) if c not in CATEGORIES and not c.__name__.startswith("_")]
    assert [c.__name__ for c in leaves if sum(issubclass(c, k) for k in CATEGORIES) != 1] == []
    drawn = errors.__doc__ or ""
    assert [c.__name__ for c in (*CATEGORIES, *leaves) if c.__name__ not in drawn] == []
