"""Report wording: exceptions, Section IV procedures and results, control conclusions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain import reporting as rp
from fieldwork_tui.domain.vocab import Conclusion, DeviationConclusion


def test_sample_exception_wording():
    text = rp.sample_exception_wording(2, 25, "changes", "The change was deployed without approval.")
    assert text == "For 2 of 25 changes sampled, the change was deployed without approval."


def test_instance_wording_keeps_acronyms_and_never_names():
    assert rp.instances_wording(1, "MFA was not enforced") == "In 1 instance, MFA was not enforced."


@given(st.integers(1, 100), st.integers(1, 100), st.text(min_size=1, max_size=30))
def test_wording_always_states_counts(x, n, deviation):
    text = rp.sample_exception_wording(x, n, "items", deviation)
    assert text.startswith(f"For {x} of {n} items sampled, ") and text.endswith(".")


def test_items_noun():
    assert rp.items_noun("Changes peer reviewed and approved") == "changes"
    assert rp.items_noun("Terminated users removed") == "terminations"
    assert rp.items_noun("Something else") == "instances"


def test_procedures_by_technique():
    f = rp.ProcedureFacts(description="Every change is approved before deployment.",
                          interviewees=["the VP Engineering", "the VP Engineering", "the Staff Engineer"],
                          observations=["the deployment pipeline"], sample_size=40, population_rows=412,
                          items="changes", reperformances=["comparing the deploy log to the approvals"])
    out = rp.procedures(f)
    assert out[0] == ("Inquired of the VP Engineering and the Staff Engineer to determine whether every change "
                      "is approved before deployment.")
    assert out[1].startswith("Observed the deployment pipeline")
    assert out[2].startswith("Inspected a sample of 40 changes from a population of 412")
    assert out[3].startswith("Re-performed the control by comparing the deploy log")


def test_inspection_of_documents_and_test_all():
    assert rp.procedures(rp.ProcedureFacts("X happens.", documents=["a.pdf", "b.pdf"]))[0] == \
        "Inspected a.pdf and b.pdf to determine whether x happens."
    assert rp.procedures(rp.ProcedureFacts("X.", sample_size=12, population_rows=12, items="reviews"))[0].startswith(
        "Inspected all 12 reviews")


def test_results_text():
    assert rp.results_text([]) == "No exceptions noted."
    assert rp.results_text(["For 1 of 40 changes sampled, x.", "For 1 of 40 changes sampled, x."]) == \
        "For 1 of 40 changes sampled, x."
    assert rp.results_text([], occurrences=0).startswith("No occurrences")


def test_suggested_conclusions():
    s = rp.suggest_conclusion
    assert s(rp.ConclusionFacts(tested=True))[0] is Conclusion.effective
    assert s(rp.ConclusionFacts(tested=True, occurrences=0))[0] is Conclusion.not_tested
    assert s(rp.ConclusionFacts(tested=False))[0] is Conclusion.not_tested
    assert s(rp.ConclusionFacts(tested=True, exceptions=1,
                                deviation_conclusion=DeviationConclusion.isolated))[0] is \
        Conclusion.effective_with_exceptions
    assert s(rp.ConclusionFacts(tested=True, exceptions=1,
                                deviation_conclusion=DeviationConclusion.systematic))[0] is Conclusion.not_effective


def test_interviewee_phrase_never_names():
    assert rp.interviewee_phrase("VP Engineering", "engineering") == "the VP Engineering"
    assert rp.interviewee_phrase("", "IT administration") == "IT administration personnel"
