"""Complete answers to set questions ("which papers...?", "how many...?"): every candidate screened (offline or by an
LLM) with the sentence that decides it, then counted, grouped and measured."""
