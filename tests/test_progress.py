"""Long commands report how many, of how many, how fast and how long is left."""
from marketplace.progress import Progress


def test_progress_reports_the_count_its_share_the_rate_and_the_time_left():
    lines: list[str] = []
    progress = Progress("postings reindexed", lines.append, total=1000, every_seconds=0)
    progress.started -= 2.0  # two seconds in
    progress.advance(250)
    assert lines[0].startswith("postings reindexed: 250 of 1,000 (25%), 12")  # about 125/s
    assert lines[0].endswith(" s left")
    progress.advance(750)
    progress.finish()
    assert lines[-1].startswith("postings reindexed: 1,000 of 1,000 (100%), ") and " done in 2." in lines[-1]
    assert "left" not in lines[-1]


def test_progress_without_a_total_gives_the_count_and_rate_at_most_every_few_seconds():
    lines: list[str] = []
    progress = Progress("rows imported", lines.append)
    for _ in range(100):
        progress.advance()
    assert lines == []  # nothing before the first interval has passed
    progress.finish()
    assert lines[0].startswith("rows imported: 100, ") and "/s, done in " in lines[0]
