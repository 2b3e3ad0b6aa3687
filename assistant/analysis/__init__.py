"""Analyses of a whole listing or a group of papers: the topic map (clusters in 2D, named by their terms) and comparison
tables."""
