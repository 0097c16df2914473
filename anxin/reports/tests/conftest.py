"""Fixtures shared by the reports tests."""

from anxin.reports.tests.test_reports import desk  # noqa: F401  (the hand-worked November data set)
