"""Questions about an institution ("papers from DeepMind", "what did Stanford publish?", "RL papers from Berkeley"):
a listing gives its authors' names, not their affiliations, so no paper can be picked by where its authors work.
The answer says so. A question with a topic beside the institution ("RL papers from Berkeley", "what did Google
Brain publish on transformers?") is answered for the topic, from any institution (`without_institution`: the plan
drops the name and its "from"); one with nothing else ("papers from DeepMind") lists what its papers' titles and
abstracts match, and says that they are matched by the name (a dataset, a benchmark, a code link): without the
notice, "3 papers match 'DeepMind'" reads as DeepMind's papers.

Read from the topic the plan left (framing words off), in its original case: "Meta" names the company only as
"Meta AI" or "Meta Research" (else it is the "meta" of "meta-learning"), "FAIR" only in capitals (else fairness).
"""

from __future__ import annotations

import re

_NAMED = (
    r"DeepMind|Google(?:\s+(?:Brain|Research|AI))?|Meta\s+(?:AI|Research)|Facebook(?:\s+AI(?:\s+Research)?)?|FAIR"
    r"|Microsoft(?:\s+Research)?|MSR|OpenAI|NVIDIA|Nvidia|Amazon|Apple|IBM(?:\s+Research)?|Baidu|Alibaba|Tencent"
    r"|Huawei|ByteDance|Samsung|Intel\s+Labs|Adobe|Salesforce|Uber|Mila|Vector\s+Institute|Allen\s+Institute|AI2"
    r"|MIT|Stanford|Berkeley|UC\s+Berkeley|CMU|Carnegie\s+Mellon|Harvard|Princeton|Oxford|Cambridge|ETH(?:\s+Zurich)?"
    r"|EPFL|Tsinghua|Peking|NYU|Caltech|UCLA|KAIST|INRIA|Inria|Max\s+Planck"
)
# A named institution, or a name followed (or preceded) by a word that only institutions carry.
# The longer forms first: "Carnegie Mellon University", not its "Carnegie Mellon".
_INSTITUTION = re.compile(
    r"\b[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*\s+(?:University|Institute|Laboratory|Labs|Inc\.?|Corporation)\b"
    r"|\b(?:University|Institute)\s+of\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*"
    rf"|\b(?:{_NAMED})\b(?!-)"
)


def institution_in(topic: str) -> str | None:
    """The institution the topic names, as written, or None."""
    found = _INSTITUTION.search(topic)
    return re.sub(r"\s+", " ", found.group(0)).strip() if found else None


_BEFORE = r"(?:(?:from|at|by|of|in|within)\s+(?:the\s+)?)?"  # the words that tie the name to the question
_AFTER = r"(?:['\u2019]s)?(?:\s+(?:researchers|people|folks|authors|group|team|lab))?"


def without_institution(text: str, institution: str) -> str:
    """The text with the institution's name taken out, with what ties it in: "RL papers from Berkeley" -> "RL
    papers", "what did Google Brain's team publish on X?" -> "what did publish on X?"."""
    name = r"\s+".join(re.escape(part) for part in institution.split())
    pattern = rf"\b{_BEFORE}{name}\b{_AFTER}"
    return re.sub(r"\s+", " ", re.sub(pattern, " ", text, flags=re.IGNORECASE)).strip()


def affiliation_note(topic: str, institution: str = "") -> str:
    """What an answer says when its question names an institution ("" when it names none): `institution` when the
    plan took it out of the topic (the answer is about the rest of the topic, from anywhere), else the one the topic
    itself names (the answer lists what the papers' text matches)."""
    if institution and institution_in(topic) is None:
        return (f"The listing gives authors' names, not their affiliations, so papers cannot be picked by "
                f"institution: these are the papers on \u2018{topic}\u2019 from any institution, not only "
                f"\u2018{institution}\u2019.")
    named = institution_in(topic)
    if named is None:
        return ""
    return (f"The listing gives authors' names, not their affiliations, so papers cannot be picked by institution: "
            f"the papers below are matched to \u2018{named}\u2019 by their titles and abstracts (which may "
            "name it for a dataset, a benchmark or a code link).")
