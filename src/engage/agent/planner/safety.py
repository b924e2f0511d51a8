"""What the agent refuses before any tool runs: writes, personal data, overrides.

Words are judged in context: "phone" is a device word (phone users are mobile
users) unless a phone *number* is asked for; a write is a change verb aimed at the
data ("set the churn flag to false in the results"), SQL keywords or not.
"""

from __future__ import annotations

import re

PII = (
    r"\b(e-?mails?( addresses?)?|full names?|(customer|user|real|their|first|last) names?|"
    r"names (and|of)|phone numbers?|telephone|mobile numbers?|cell numbers?|contact numbers?|"
    r"(home |street |postal |ip )?address(es)?(?! in\b)|ssn|social security|passwords?|pii|"
    r"contact details|customer_pii|restricted|date of birth|birthdays?|credit card|"
    r"who (exactly )?(is|are) (the )?(customer|user)s?\b)"
)
_VERB = (
    r"\b(set|change|update|delete|remove|drop|mark|overwrite|modify|edit|erase|wipe|purge|"
    r"insert|truncate|alter|reset|rename|write|save|store|unflag|assign|"
    r"replace|fix|correct|upgrade|downgrade|promote|demote|flip)\b"
)
# "make all texas customers premium", "turn free users into premium", "switch mobile
# users to desktop": a verb that reads as a change only with a new value for the people
_CHANGE = (
    r"^\s*(?:please |can you |could you |now )?(?:(?:make|render)\b.*\b(?:customers?|users?|"
    r"people|members?|accounts?|clients?|everyone|them)\s+(?:into |to be |be )?\w+\s*[.!]?$|"
    r"(?:make|turn|convert|switch|move|render)\b.*\b(?:into|to be)\b|"
    r"(?:turn|convert|switch|move)\b.*\bto\b)"
)
_OBJECT = (
    r"\b(results?|tables?|database|records?|rows?|dataset|catalog|columns?|fields?|"
    r"final_results|predictions table|the data)\b"
)
_SQL_WRITE = (
    r"\b(drop|delete|insert|update|truncate|alter|attach|copy|pragma|grant|create table|"
    r"overwrite|modify)\b"
)
INJECTION = (
    r"ignore (all |the |any |your )?(previous |prior |above )?(instructions|rules|prompt)"
    r"|system prompt|jailbreak|you are now|disregard (your|the|all)|reveal your|"
    r"developer mode|act as (an? )?(admin|root)"
)
SQL = r"^\s*(select|with)\b"


def is_write(text: str) -> bool:
    """A request to change data, phrased in SQL or in plain words."""
    if re.search(SQL, text):
        return False  # SQL goes to the gate, which refuses writes on the syntax tree
    if re.search(_SQL_WRITE, text) and re.search(_OBJECT + r"|\bfrom\b|\binto\b", text):
        return True
    starts = re.match(r"^\s*(please |can you |could you |now )?" + _VERB, text)
    hits = re.search(_VERB + r".{0,60}" + _OBJECT, text) or re.search(
        _OBJECT + r".{0,30}" + _VERB, text
    )
    what_if = re.search(r"\b(if|what if|suppose|imagine|would|predict|simulate)\b", text)
    if re.search(_CHANGE, text) and not what_if:
        return True
    return bool((starts or hits) and not what_if) or bool(starts and hits)


def is_pii(text: str) -> bool:
    return bool(re.search(PII, text))


def is_injection(text: str) -> bool:
    return bool(re.search(INJECTION, text))
