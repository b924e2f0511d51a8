"""Slot words of the parser: measures, comparisons, grouping cues, stopwords.

Kept apart from the parser so the vocabulary (what a word means) reads as a table
and the parser (how slots combine) stays short.
"""

from __future__ import annotations

NUM = r"(-?\d+(?:\.\d+)?)"
# (regex, op): first match wins, so ranges and two-word forms come first.
COMPARISONS: tuple[tuple[str, str], ...] = (
    (rf"\bbetween {NUM} and {NUM}", "between"),
    (rf"\b(?:from|aged?|ages) {NUM} ?(?:to|-|and) ?{NUM}", "between"),
    (rf"\b{NUM} ?(?:-|to) ?{NUM} ?(?:years?|year-olds?)", "between"),
    (rf"\b(?:at least|no less than|minimum of|>=) {NUM}", ">="),
    (rf"\b{NUM} ?(?:\+|or more|or older|or above|and older|and over|and above|or higher)",
     ">="),
    (rf"\b(?:at most|no more than|up to|<=) {NUM}", "<="),
    (rf"\b{NUM} (?:or less|or fewer|or younger|or below|or under|and under|and younger)", "<="),
    (rf"\b(?:over|above|more than|greater than|higher than|exceeding|older than|>) {NUM}", ">"),
    (rf"\b(?:under|below|less than|fewer than|lower than|younger than|<) {NUM}", "<"),
    (rf"\b(?:exactly|equal to|equals|=) {NUM}", "="),
)  # fmt: skip
MEASURES: tuple[tuple[str, str], ...] = (
    (r"\bstandard deviation\b|\bstd ?dev\b|\bstddev\b|\bstd\b", "std"),
    (r"\bcorrelat\w*|\brelationship between\b|\brelated to\b|\blinked to\b|\bassociated with\b",
     "corr"),
    (r"\bhow many\b|\bnumber of\b|\bcount\b|\bcount of\b|\bsize of\b|\bhow big\b", "count"),
    (r"\bpercentage\b|\bpercent\b|\bshare\b|\bfraction\b|\bproportion\b|%", "share"),
    (r"\baverage\b|\bavg\b|\bmean\b", "mean"),
    (r"\bmedian\b", "median"),
    (r"\b(\d+)(?:st|nd|rd|th) percentile\b|\bp(\d{1,2})\b", "percentile"),
    (r"\bsum of\b|\bsum\b|\btotal\b", "sum"),
    (r"\bminimum\b|\bmin\b|\bsmallest\b|\byoungest\b|\blowest\b|\bfewest\b", "min"),
    (r"\bmaximum\b|\bmax\b|\blargest\b|\boldest\b|\bhighest\b|\bmost\b", "max"),
)
ORDER_WORDS = {"min": "asc", "max": "desc"}
GROUP_CUES = (
    r"\b(?:by|per|for each|across|in each|each|for every|broken down by|split by|grouped by)"
    r"\s+(?:the\s+|their\s+|customer\s+|user\s+)?"
)
PEOPLE = r"\b(customers?|users?|people|members?|accounts?|folks|ones|those|clients?|buyers)\b"
FOLLOW_UP = (
    r"^(and|what about|how about|same|now|only|just|but|instead|also|for those|those|"
    r"what if only|restrict|limit it|break (?:it|that) down|split (?:it|that))\b|\binstead\b"
)
METRICS = {
    r"\bauc\b|\broc\b|area under": "auc_roc", r"\brecall\b|sensitivity": "recall",
    r"\bprecision\b": "precision", r"\bf1\b": "f1", r"\br2\b|r²|r-squared|r squared": "r2",
    r"\brmse\b|root mean squared?": "rmse", r"\bmae\b|mean absolute error": "mae",
    r"\bmape\b": "mape", r"\bcoverage\b": "coverage", r"\bndcg\b": "ndcg@10",
    r"hit rate|\bhr@10\b": "hr@10", r"\bbrier\b": "brier", r"pr[- ]auc": "pr_auc",
    r"calibration error|\bece\b": "ece", r"interval width": "mean_width",
}  # fmt: skip
FAIRNESS = {
    r"disparate impact|di ratio|80 ?% rule|four-fifths": "di_ratio",
    r"selection rate": "selection_rate", r"demographic parity": "dp_difference",
    r"equali[sz]ed odds": "eo_difference", r"true positive rate": "true_positive_rate",
    r"false positive rate": "false_positive_rate",
}  # fmt: skip
STOP = frozenset(
    """a an the of for in on at to by per with without and or vs versus is are was were be
    been being do does did have has had having what whats what's which who whom whose how
    many much me my our we us you your i it its this that these those there their them they
    show give tell list get find compute calculate please can could would should will
    any all each every some most more less than over under above below between among
    customers customer users user people members member clients client accounts account
    total number value values rate rates score scores level levels group groups one two
    three four five six seven eight nine ten top bottom first last highest lowest ranked rank
    order ordered descending ascending highest-first same but now only just also instead
    about like look looks average avg mean median percentile sum count share percentage
    percent fraction proportion std standard deviation min max minimum maximum who're
    who've use uses using used on there's here live lives living based equal equals exactly
    least at most up no not none into out from when where why whom overall currently
    current today data table view segment segments cohort breakdown distribution across
    split broken grouped per versus compare compared comparing between model predicts
    predicted prediction forecast actual real really typical days day week weeks month
    months years year old aged ages age been since last ever many been waiting remain
    people's everyone anyone their them folks ones do done make made get got fans lovers
    fan lover sellers seller buyers buyer active listings listing in-app app's app been
    along versus whole entire things thing stuff lot lots measured measure figure figures
    category categories states state devices device type types tiers tier equal-sized
    equally sized bucket buckets bands band ranked highest rank ordered""".split()
)
# Ordinary words the typo corrector must leave alone (they are not unknown either).
EXTRA = frozenset(
    """older younger oldest youngest aged correlation correlate correlated correlates
    relationship related drives drive driver drivers matter matters important importance
    pending waiting review queue human flagged flag predicts predict likely leave might
    raise improve increase boost lift higher lower engage engaged engaging highly rated
    quality poor accurate metric metrics model models classifier recommender ratio rule
    features feature factors factor sold selling listing listings fans followers
    percentile deviation variance range ranges spread tell show much more located
    vary varies differ differs difference affect affects effect impact influence
    compare comparison relate relates play role sustained trajectories trajectory
    having going does doing stay staying better worse good well target targeting should
    notifications notification work works best""".split()
)
