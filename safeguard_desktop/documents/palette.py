"""Colours shared by the app's chart and the PDF report's chart, so the two read alike. No reportlab here."""

#: Bar colours by category, distinguishable in greyscale print too (dark to light).
CHART_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5", "#843c0c", "#375623",
                 "#5b9bd5", "#ffc000", "#c00000")  # fmt: skip
