"""The answering chain and the answers it gives: offline (extractive, cited) or by an LLM, set answers, follow-ups,
summaries, overviews, author rankings and tables asked in the chat."""
