"""Incident statistics as a chart (QtCharts) and a table: per category per term or quarter, against a year earlier."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.documents.palette import CHART_COLOURS
from safeguard_desktop.services.incidents.statistics import (
    IncidentStatistics,
    PeriodCount,
    chart_data,
    incident_statistics,
)
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_read
from safeguard_desktop.ui.kit.table import ReadOnlyTable

HEADERS = ("Period", "Category", "Incidents", "A year earlier", "Change")


class StatisticsDialog(Dialog):
    """Terms by default (how a school thinks), quarters as the helpline reports its own figures."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Incident statistics", size=(1000, 700))

        self.stats: IncidentStatistics | None = None
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("By term", "terms")
        self.kind_combo.addItem("By quarter", "quarters")
        self.kind_combo.setAccessibleName("Periods")
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setAccessibleName("Chart of incidents per category")
        self.chart_view.setMinimumHeight(320)
        self.table = ReadOnlyTable(HEADERS, "Incidents per category and period", numbers=(2, 3))
        note = QLabel(
            "Counted by the date each incident was reported. Terms follow the school's term dates "
            "(Settings ▸ Term dates); change is against the same period a year earlier."
        )
        note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.kind_combo)
        top.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.chart_view, 3)
        layout.addWidget(self.table, 2)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.kind_combo.currentIndexChanged.connect(self.show_periods)
        run_read(context, self, incident_statistics, on_done=self._counted)

    def _counted(self, stats: IncidentStatistics) -> None:
        self.stats = stats
        self.show_periods()

    def counts(self) -> tuple[PeriodCount, ...]:
        """The periods chosen."""
        if self.stats is None:
            return ()
        return self.stats.terms if self.kind_combo.currentData() == "terms" else self.stats.quarters

    def show_periods(self, *_args: object) -> None:
        """Rebuild the chart and the table for terms or quarters."""
        counts = self.counts()
        data = chart_data(counts)
        chart = QChart()
        chart.setTitle("Incidents per " + ("term" if self.kind_combo.currentData() == "terms" else "quarter"))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        series = QBarSeries()
        for i, (category, values) in enumerate(data.series):
            bar_set = QBarSet(category.value)
            bar_set.append([float(v) for v in values])
            bar_set.setColor(QColor(CHART_COLOURS[i % len(CHART_COLOURS)]))
            series.append(bar_set)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append(list(data.periods) or ["no incidents yet"])
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x_axis)
        top = max((v for _c, values in data.series for v in values), default=1)
        y_axis = QValueAxis()
        y_axis.setRange(0, max(1, top))
        y_axis.setTickCount(min(top, 6) + 1 if top > 0 else 2)
        y_axis.setLabelFormat("%d")
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y_axis)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        old = self.chart_view.chart()
        self.chart_view.setChart(chart)
        if old is not None:
            old.deleteLater()
        order = {period: i for i, period in enumerate(dict.fromkeys(c.period for c in counts))}
        newest_first = sorted(counts, key=lambda c: (-order[c.period], c.category.value))
        self.table.set_rows(
            [
                (
                    c.period,
                    c.category.value,
                    str(c.count),
                    str(c.year_earlier),
                    "no comparison" if c.change is None else f"{c.change:+.1f}%",
                )
                for c in newest_first
            ]
        )
