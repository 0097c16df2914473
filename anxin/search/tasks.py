"""Background work for search (run by `anxin worker`)."""

from django_tasks import task

from anxin.search import classify_services as classify


@task()
def train_classifier_task() -> dict:
    """A8: retrain the suggestion model once a day (enqueued hourly; a fresh model makes it a no-op)."""
    if not classify.stale():
        return {"skipped": True}
    return classify.train()
