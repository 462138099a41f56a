"""The incident log as a PDF report for the DSL: every incident in a line, then the statistics by quarter."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from safeguard_desktop.documents import text as script
from safeguard_desktop.documents.flow import Flow
from safeguard_desktop.documents.fonts import BOLD, REGULAR
from safeguard_desktop.documents.layout import ACCENT, INK, MARGIN, MUTED, LetterSchool, new_canvas
from safeguard_desktop.documents.palette import CHART_COLOURS

RED = (0.64, 0.09, 0.10)
LOG_COLUMNS = (("No.", 30), ("Reported", 84), ("Category", 146), ("Urgency", 94), ("Status", 66), ("Summary", 310))


ChartInput = tuple[str, Sequence[str], Sequence[tuple[str, Sequence[int]]]]


def _draw_chart(canvas: Canvas, chart: ChartInput, x: float, y: float, width: float, height: float) -> None:
    """A grouped bar chart (periods along the bottom, a bar per category) with a legend on the right."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    title, periods, series = chart
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 14, title, fontName=BOLD, fontSize=11, fillColor=colors.HexColor("#1f3a5f")))
    bars = VerticalBarChart()
    bars.x, bars.y = 30, 40
    bars.width, bars.height = width - 260, height - 80
    bars.data = [list(values) for _name, values in series] or [[0] * max(1, len(periods))]
    bars.categoryAxis.categoryNames = list(periods) or ["no incidents"]
    bars.categoryAxis.labels.fontName = REGULAR
    bars.categoryAxis.labels.fontSize = 8
    bars.valueAxis.labels.fontName = REGULAR
    bars.valueAxis.labels.fontSize = 8
    bars.valueAxis.valueMin = 0
    top = max((v for _n, values in series for v in values), default=1)
    bars.valueAxis.valueMax = max(1, top)
    bars.valueAxis.valueStep = max(1, -(-top // 6))
    bars.groupSpacing = 8
    for i in range(len(series)):
        bars.bars[i].fillColor = colors.HexColor(CHART_COLOURS[i % len(CHART_COLOURS)])
        bars.bars[i].strokeColor = None
    drawing.add(bars)
    legend = Legend()
    legend.x, legend.y = width - 210, height - 40
    legend.fontName, legend.fontSize = REGULAR, 8
    legend.alignment = "right"
    legend.columnMaximum = max(1, len(series))  # one column, every category (it wrapped into columns off the page)
    legend.deltay = 9
    legend.colorNamePairs = [
        (colors.HexColor(CHART_COLOURS[i % len(CHART_COLOURS)]), name) for i, (name, _v) in enumerate(series)
    ]
    drawing.add(legend)
    from reportlab.graphics import renderPDF

    renderPDF.draw(drawing, canvas, x, y)


def _clipped(text: str, font: str, size: float, width: float) -> str:
    """``text`` (a category, status or date: the app's own words) cut with an ellipsis to fit ``width``."""
    if script.width(text, font, size) <= width:
        return text
    while text and script.width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def render_incident_log(
    school: LetterSchool,
    rows: Sequence[tuple[str, ...]],
    statistics: Sequence[tuple[str, str, int, int, str]],
    chart: ChartInput | None = None,
) -> bytes:
    """One landscape PDF.

    Args:
        school: the letterhead.
        rows: (number, reported, category, urgency, status, summary) per incident.
        statistics: (period, category, count, count a year earlier, change) per quarter and category.
        chart: (title, period labels, [(category, counts per period)]) drawn above the statistics table.
    """
    pagesize = landscape(A4)
    canvas, buffer = new_canvas(f"Incident log — {school.name}", school.name, pagesize)
    width, height = pagesize

    def header(title: str) -> float:
        canvas.setFillColorRGB(*ACCENT)
        script.draw(canvas, MARGIN, height - MARGIN, title, BOLD, 14)
        canvas.setFillColorRGB(*MUTED)
        marking = script.fit(f"{school.name} · CONFIDENTIAL — safeguarding leads only", REGULAR, 8,
                             width - 2 * MARGIN, lines=1, floor=6)  # fmt: skip
        script.draw(
            canvas, width - MARGIN, MARGIN / 2, " ".join(marking.lines), REGULAR, marking.size, align="right"
        )  # a footer, never under the title
        canvas.setFillColorRGB(*INK)
        return float(height - MARGIN - 24)

    y = header("Online-safety incident log")
    x_positions = []
    x = MARGIN
    for _title, column_width in LOG_COLUMNS:
        x_positions.append(x)
        x += column_width
    for (title, _w), x in zip(LOG_COLUMNS, x_positions, strict=True):
        script.draw(canvas, x, y, title, BOLD, 9)
    y -= 14
    for row in rows:
        summary_lines = script.split(row[5], REGULAR, 8.5, LOG_COLUMNS[5][1])  # the whole summary, however long
        needed = 12 * max(1, len(summary_lines)) + 4
        if y - needed < MARGIN:
            canvas.showPage()
            y = header("Online-safety incident log (continued)")
        for value, x, (_title, column_width) in zip(row[:5], x_positions[:5], LOG_COLUMNS[:5], strict=True):
            script.draw(canvas, x, y, _clipped(value, REGULAR, 8.5, column_width - 6), REGULAR, 8.5)
        for i, line in enumerate(summary_lines):
            if y - 12 * i < MARGIN:  # a summary longer than a page goes on over the next
                canvas.showPage()
                y = header("Online-safety incident log (continued)") + 12 * i
            script.draw(canvas, x_positions[5], y - 12 * i, line, REGULAR, 8.5)
        y -= needed
    if not rows:
        script.draw(canvas, MARGIN, y, "No incidents recorded.", REGULAR, 10)
    canvas.showPage()
    y = header("Incidents by quarter, against the same quarter a year earlier")
    if chart is not None:
        _draw_chart(canvas, chart, MARGIN, y - 250, width - 2 * MARGIN, 240)
        y -= 270
    for title, x in (("Quarter", MARGIN), ("Category", MARGIN + 90), ("Incidents", MARGIN + 300),
                     ("A year earlier", MARGIN + 380), ("Change", MARGIN + 480)):  # fmt: skip
        script.draw(canvas, x, y, title, BOLD, 9)
    y -= 14
    for period, category, count, earlier, change in statistics:
        if y < MARGIN:
            canvas.showPage()
            y = header("Incidents by quarter (continued)")
        script.draw(canvas, MARGIN, y, period, REGULAR, 9)
        script.draw(canvas, MARGIN + 90, y, _clipped(category, REGULAR, 9, 200), REGULAR, 9)
        script.draw(canvas, MARGIN + 350, y, str(count), REGULAR, 9, align="right")
        script.draw(canvas, MARGIN + 440, y, str(earlier), REGULAR, 9, align="right")
        script.draw(canvas, MARGIN + 480, y, change, REGULAR, 9)
        y -= 13
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_subject_access(school: LetterSchool, record: dict[str, object]) -> bytes:
    """Everything held about one pupil, as the JSON export has it, on A4: details, consent history, incidents
    (each marked for review under the child-abuse-data exemption before anything is disclosed) and the audit
    entries about the pupil. Text from data is drawn as text."""
    page = Flow("Subject access record", school.name, f"{school.name} · subject access record · CONFIDENTIAL")
    line, heading = page.line, page.heading

    line(school.name, size=10, colour=MUTED)
    line("Subject access record", size=16, font=BOLD, colour=ACCENT)
    pupil = record.get("pupil", {})
    assert isinstance(pupil, dict)
    heading("The pupil")
    labels = {"legal_forename": "Legal forename", "legal_surname": "Legal surname", "preferred_forename":
              "Preferred forename", "upn": "UPN", "admission_number": "Admission number", "date_of_birth":
              "Date of birth", "year_group": "Year group", "registration_group": "Class", "on_roll": "On roll",
              "left_on": "Left on", "never_photograph": "Never photograph"}  # fmt: skip
    for key, label in labels.items():
        value = pupil.get(key)
        shown = (
            {True: "yes", False: "no", None: ""}.get(value, str(value))
            if isinstance(value, bool | None)
            else str(value)
        )
        line(f"{label}: {shown}")
    heading("Consent decisions (oldest first)")
    decisions = record.get("consent_decisions", [])
    assert isinstance(decisions, list)
    if not decisions:
        line("None recorded.")
    for d in decisions:
        line(f"{d.get('given_on', '')}  {d.get('purpose', '')}: {d.get('decision', '')}", font=BOLD)
        line(f"given by {d.get('given_by', '')} ({d.get('relationship', '')}), {d.get('route', '')}; valid until "
             f"{d.get('valid_until', '') or '—'}; wording v{d.get('wording_version', '')}; recorded by "
             f"{d.get('recorded_by', '')} on {d.get('recorded_at', '')}", indent=12)  # fmt: skip
        if d.get("note"):
            line(f"Note: {d['note']}", indent=12)
    incidents = record.get("incidents", [])
    assert isinstance(incidents, list)
    heading("Online-safety incidents")
    if not incidents:
        line("None linked to this pupil.")
    else:
        line(str(record.get("incident_note", "")), font=BOLD, colour=RED)
    for item in incidents:
        title = f"incident {item.get('number')}: {item.get('category')}, {item.get('status')}"
        line(f"REVIEW BEFORE DISCLOSING — {title}, reported {item.get('reported')}", font=BOLD, colour=RED)
        line(str(item.get("summary", "")), indent=12)
        for entry in item.get("chronology", []):
            reason = f" — because {entry['reason']}" if entry.get("reason") else ""
            line(f"{entry.get('when')} {entry.get('kind')}: {entry.get('text')}{reason}", indent=12)
    heading("Who has seen or changed this record (audit trail)")
    trail = record.get("audit_trail", [])
    assert isinstance(trail, list)
    for entry in trail:
        line(f"{entry.get('when')}  {entry.get('who')}: {entry.get('what')} {entry.get('detail', '')}".rstrip())
    return page.finish()
