"""What changed in a plan's text between two versions, sentence by sentence.

Pure Python on plain dicts in the shape of ``planportal.loader.stored_text`` (no models, no
database), for the version pages, the API and bench/version_diff.py:

- ``sentences(blocks)``: the comparable units of a block list (sentences.py);
- ``diff_texts(old_text, new_text)``: matched chapters and sections, each with a sentence-level
  diff and, inside edited sentences, a character-level one (texts.py, compare.py);
- ``section_fate(old_section, new_text)``: whether a commented section was changed or removed.

Every result is a dataclass with ``as_dict()`` for JSON. The wording is compared without the
``**bold**`` marks: emphasis alone is no change, and the inline segments are plain text.
"""

from .compare import Row, Segment, SentenceOp, SentencePair, inline_diff
from .matching import Fate, section_fate, section_fates
from .results import ChapterDiff, SectionDiff, TextDiff
from .sentences import Unit, same_wording, sentences, split_sentences
from .texts import diff_section, diff_texts

__all__ = [
    "ChapterDiff",
    "Fate",
    "Row",
    "SectionDiff",
    "Segment",
    "SentenceOp",
    "SentencePair",
    "TextDiff",
    "Unit",
    "diff_section",
    "diff_texts",
    "inline_diff",
    "same_wording",
    "section_fate",
    "section_fates",
    "sentences",
    "split_sentences",
]
