"""Questions about an institution ("papers from DeepMind", "what did Stanford publish?", "RL papers from Berkeley"):
a listing gives its authors' names, not their affiliations, so no paper can be picked by where its authors work.
The answer says so, and that what it lists is matched to the institution's name by the papers' titles and abstracts
(a dataset, a benchmark, a code link): without the notice, "3 papers match 'DeepMind'" reads as DeepMind's papers.

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
_INSTITUTION = re.compile(
    rf"\b(?:{_NAMED})\b(?!-)"
    r"|\b[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*\s+(?:University|Institute|Laboratory|Labs|Inc\.?|Corporation)\b"
    r"|\b(?:University|Institute)\s+of\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*"
)


def institution_in(topic: str) -> str | None:
    """The institution the topic names, as written, or None."""
    found = _INSTITUTION.search(topic)
    return re.sub(r"\s+", " ", found.group(0)).strip() if found else None


def affiliation_note(topic: str) -> str:
    """What an answer says when its topic names an institution ("" when it names none)."""
    institution = institution_in(topic)
    if institution is None:
        return ""
    return (f"The listing gives authors' names, not their affiliations, so papers cannot be picked by institution: "
            f"the papers below are matched to \u2018{institution}\u2019 by their titles and abstracts (which may "
            "name it for a dataset, a benchmark or a code link).")
