"""Quorum retrieval: the store, the lexical index, hybrid search and answers."""
