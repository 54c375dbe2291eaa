"""Audit: the history chain, its verification, and the auditor's desk."""
