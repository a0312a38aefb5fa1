"""Quorum user interfaces: the command line and the Gradio app."""
