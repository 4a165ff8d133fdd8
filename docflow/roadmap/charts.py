"""A direction's quarterly indicators over time (M-qr) as a PNG: consultations held (bars) and
the share of agreed positions (line, right axis). matplotlib's object API on Agg, as the
summaries' charts; DejaVu Sans for the Kazakh and Russian letters."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from docflow.roadmap.status import DirectionStatus

__all__ = ["indicators_chart"]

FONT = "DejaVu Sans"
_LABELS = {
    "kk": ("Өткізілген консультациялар", "Келісілген позициялар үлесі, %"),
    "ru": ("Проведено консультаций", "Доля согласованных позиций, %"),
    "en": ("Consultations held", "Agreed positions, %"),
}


def indicators_chart(status: DirectionStatus, locale: str) -> bytes:
    """The chart of one direction's quarterly reports (empty axes when there are none)."""
    consultations_label, agreed_label = _LABELS.get(locale, _LABELS["ru"])
    fig = Figure(figsize=(5.2, 2.4), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    points = status.quarters
    labels = [p.label for p in points]
    xs = list(range(len(points)))
    bars = ax.bar(xs, [p.consultations for p in points], color="#6f8fb8",
                  label=consultations_label)  # fmt: skip
    ax.bar_label(bars, fontsize=7, padding=1)
    for x, p in zip(xs, points, strict=True):
        if p.late:
            bars[x].set_hatch("//")
    ax.set_xticks(xs, labels, fontsize=8, fontfamily=FONT)
    ax.set_ylabel(consultations_label, fontsize=7, fontfamily=FONT)
    ax.spines["top"].set_visible(False)
    share = ax.twinx()
    share.plot(xs, [p.agreed_share for p in points], color="#1f4e8c", marker="o")
    share.set_ylim(0, 100)
    share.set_ylabel(agreed_label, fontsize=7, fontfamily=FONT)
    share.spines["top"].set_visible(False)
    ax.set_title(status.direction.id, fontsize=9, fontfamily=FONT)
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
