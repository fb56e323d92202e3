"""Labeling functions of Snorkel's spam tutorial (keyword and regex ones), as a Snorkel
user writes them."""

import re

from snorkel.labeling import labeling_function

ABSTAIN = -1
HAM = 0
SPAM = 1


@labeling_function(resources=dict(keywords=["my"]))
def keyword_my(x, keywords):
    """Many spam comments talk about 'my channel', 'my video', etc."""
    return SPAM if any(word in x.text.lower() for word in keywords) else ABSTAIN


@labeling_function(name="keyword_subscribe", resources=dict(keywords=["subscribe"]))
def subscribe(x, keywords):
    return SPAM if any(word in x.text.lower() for word in keywords) else ABSTAIN


@labeling_function()
def regex_check_out(x):
    return SPAM if re.search(r"check.*out", x.text, flags=re.I) else ABSTAIN


@labeling_function()
def short_comment(x):
    """Ham comments are often short, such as 'cool video!'"""
    return HAM if len(x.text.split()) < 5 else ABSTAIN
