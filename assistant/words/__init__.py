"""The words of questions and abstracts, the one set of rules every reader shares: stopwords and framing words, stemmed
terms and word pairs, acronyms, and how abstract sentences are scored and quoted."""
