"""Quorum ingest: load, clean, split, embed and store documents."""
