"""Summary reports per regional review, for the Network Coordinator (html, md, csv, xlsx, docx)."""

from intake_api.reports.data import ReportData, build_report
from intake_api.reports.render import FORMATS, render_report

__all__ = ["FORMATS", "ReportData", "build_report", "render_report"]
