"""The Collegium summary's charts (R-5.6) as PNG bytes: matplotlib's object API on the Agg
canvas (no pyplot, no global state), DejaVu Sans for the Kazakh and Russian letters."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display on servers; set before anything may pick a GUI backend

from matplotlib.figure import Figure

from docflow.summaries.chamber import FORM_KEYS
from docflow.summaries.collegium import CollegiumSummary
from docflow.summaries.labels import label

__all__ = ["CHARTS", "collegium_charts"]

#: DejaVu Sans ships with matplotlib and has every Kazakh letter (ә ғ қ ң ө ұ ү һ і).
FONT = "DejaVu Sans"
DPI = 150
CHARTS = ("participation", "points", "compliance")


def _figure(width_in: float, height_in: float) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    return fig


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    # No "Software"/date metadata: the same numbers give the same bytes.
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _style(ax: object) -> None:
    ax.spines["top"].set_visible(False)  # type: ignore[attr-defined]
    ax.spines["right"].set_visible(False)  # type: ignore[attr-defined]


def _form_label(form: str, locale: str) -> str:
    return label("other_short", locale) if form == "other" else form


def participation_chart(summary: CollegiumSummary, locale: str) -> bytes:
    """Consultants using each form, one bar per year: which forms grow, which fade."""
    fig = _figure(7.2, 3.6)
    ax = fig.add_subplot()
    years = summary.years
    width = 0.8 / len(years)
    colours = ["#b0c4de", "#6f8fb8", "#1f4e8c", "#0b2545"][-len(years) :]
    for i, year in enumerate(years):
        xs = [k + (i - (len(years) - 1) / 2) * width for k in range(len(FORM_KEYS))]
        values = [summary.form_year(f, year).participants for f in FORM_KEYS]
        bars = ax.bar(xs, values, width=width, label=str(year), color=colours[i % len(colours)])
        if year == summary.year:
            ax.bar_label(bars, fontsize=7, padding=1)
    ax.set_xticks(range(len(FORM_KEYS)), [_form_label(f, locale) for f in FORM_KEYS], fontsize=8)
    ax.set_xlabel(label("chart_form_axis", locale), fontsize=9)
    ax.set_ylabel(label("chart_participants_axis", locale), fontsize=9)
    ax.set_title(label("chart_participation_title", locale), fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return _png(fig)


def points_chart(summary: CollegiumSummary, locale: str) -> bytes:
    """Points per form in each chamber for the reporting year (stacked horizontal bars)."""
    chambers = summary.chambers
    fig = _figure(7.2, max(2.4, 0.55 * len(chambers) + 1.6))
    ax = fig.add_subplot()
    # Thirteen forms: tab10's distinct colours first, then tab20's light ones for the rest.
    tab10, tab20 = matplotlib.colormaps["tab10"], matplotlib.colormaps["tab20"]
    palette = [tab10(i) for i in range(10)] + [tab20(i) for i in (1, 3, 5)]
    names = ["\n".join(textwrap.wrap(c, 34)) for c in chambers]
    left = [0] * len(chambers)
    for k, form in enumerate(FORM_KEYS):
        values = [summary.chamber_year(c, summary.year).points_by_form[form] for c in chambers]
        if not any(values):
            continue
        ax.barh(
            names,
            values,
            left=left,
            color=palette[k % len(palette)],
            label=_form_label(form, locale),
            edgecolor="white",
            linewidth=0.5,
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    for y, total in enumerate(left):
        ax.text(total, y, f" {total}", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel(label("chart_points_axis", locale), fontsize=9)
    ax.set_title(label("chart_points_title", locale).format(year=summary.year), fontsize=10)
    ax.legend(
        title=label("chart_form_axis", locale),
        fontsize=7,
        title_fontsize=7,
        ncols=1,
        frameon=False,
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
    )
    _style(ax)
    return _png(fig)


def compliance_chart(summary: CollegiumSummary, locale: str) -> bytes:
    """Share of accepted reports meeting the norm, per chamber and year (R-3.2c)."""
    chambers = summary.chambers
    fig = _figure(7.2, max(2.4, 0.6 * len(chambers) + 1.4))
    ax = fig.add_subplot()
    years = summary.years
    height = 0.8 / len(years)
    colours = ["#c7e0c0", "#7fb77e", "#2e7d32", "#1b4d20"][-len(years) :]
    names = ["\n".join(textwrap.wrap(c, 34)) for c in chambers]
    for i, year in enumerate(years):
        ys = [k + (i - (len(years) - 1) / 2) * height for k in range(len(chambers))]
        rates = [summary.chamber_year(c, year).compliance_rate for c in chambers]
        values = [100 * r if r is not None else 0 for r in rates]
        bars = ax.barh(ys, values, height=height, label=str(year), color=colours[i % len(colours)])
        if year == summary.year:
            ax.bar_label(bars, labels=[f"{v:.0f}%" for v in values], fontsize=7, padding=2)
    ax.set_yticks(range(len(chambers)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel(label("chart_compliance_axis", locale), fontsize=9)
    ax.set_title(label("chart_compliance_title", locale), fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    return _png(fig)


def collegium_charts(summary: CollegiumSummary, locale: str) -> dict[str, bytes]:
    """Every chart by name (``CHARTS``) as PNG bytes."""
    with matplotlib.rc_context({"font.family": FONT}):
        return {
            "participation": participation_chart(summary, locale),
            "points": points_chart(summary, locale),
            "compliance": compliance_chart(summary, locale),
        }
