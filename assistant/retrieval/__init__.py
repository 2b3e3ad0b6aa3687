"""Hybrid retrieval over one listing (dense + BM25, fused and calibrated), the glossary that reads everyday words as the
field's terms, and the post-retrieval stage."""
