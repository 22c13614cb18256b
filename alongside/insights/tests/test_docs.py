from alongside.insights import docs


def test_docs_metrics_md_is_generated_from_the_definitions():
    assert docs.PATH.read_text() == docs.render(), "run: python -m alongside.insights.docs"


def test_every_metric_is_documented_with_its_parts():
    text = docs.render()
    for heading in ("Purpose", "Denominator", "Period", "Exclusions", "Source fields"):
        assert text.count(f"**{heading}:**") == len(docs.METRICS)
