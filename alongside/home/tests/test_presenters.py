from alongside.home.presenters import suppressed


def test_small_counts_are_suppressed():
    assert [suppressed(n) for n in [0, 1, 4, 5, 1234]] == ["0", "<5", "<5", "5", "1,234"]
