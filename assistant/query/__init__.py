"""The query plan: what a question asks for, read by rules (deterministic; no model involved): intent, topic, filters,
authors in any phrasing, and how a follow-up leans on the previous turn."""
