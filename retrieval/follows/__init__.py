"""Follows: a topic (or a question) watched across new papers, with digests by feed and email."""
