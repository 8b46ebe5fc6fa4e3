"""Draw chart specs with matplotlib (Agg, no display), in one consistent look."""

from pathlib import Path
from typing import Any

from crm.reports.base import ChartSpec

PALETTE = ["#3a7ca5", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#9db4c0", "#6d597a"]
INK = "#33415c"


def draw(spec: ChartSpec, path: Path) -> None:
    """Draw the chart into a PNG file."""
    # A bare Figure on the Agg canvas, not pyplot: pyplot keeps global state that the Slack
    # front's worker threads would share.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width = min(max(7.0, 0.9 * len(spec.categories) + 3), 14)
    fig = Figure(figsize=(width, 4.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    _style(ax)
    if spec.kind == "funnel":
        _funnel(ax, spec)
    elif spec.kind == "pipeline":
        _pipeline(ax, spec)
    else:
        _bars(ax, spec)
    ax.set_title(spec.title, loc="left", fontsize=13, color=INK, pad=14, weight="bold")
    # Fixed margins: tight_layout would draw the whole figure once more just to measure it.
    fig.subplots_adjust(
        left=0.2 if spec.kind == "funnel" else 0.1,
        right=0.9 if spec.kind == "pipeline" else 0.97,
        top=0.87,
        bottom=0.24 if _rotation(spec) else 0.1,
    )
    # Light compression: the file is a little bigger, the encoding several times faster.
    fig.savefig(path, format="png", pil_kwargs={"compress_level": 1})


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#b8c0cc")
    ax.tick_params(colors=INK, labelsize=9)
    ax.grid(axis="y", color="#e5e8ec", linewidth=0.8)
    ax.set_axisbelow(True)


def _color(spec: ChartSpec, name: str, index: int) -> str:
    return spec.colors.get(name, PALETTE[index % len(PALETTE)])


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _bars(ax: Any, spec: ChartSpec) -> None:
    positions = range(len(spec.categories))
    names = list(spec.series)
    width = 0.7 if spec.stacked else 0.8 / max(len(names), 1)
    bottoms = [0.0] * len(spec.categories)
    for index, name in enumerate(names):
        values = spec.series[name]
        if spec.stacked:
            xs = list(positions)
            ax.bar(
                xs,
                values,
                width,
                bottom=bottoms,
                label=_label(name),
                color=_color(spec, name, index),
            )
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        else:
            xs = [p - 0.4 + width * (index + 0.5) for p in positions]
            ax.bar(xs, values, width, label=_label(name), color=_color(spec, name, index))
    if spec.stacked:
        ax.set_ylim(0, max([*bottoms, 1.0]) * 1.12)  # room for the totals above the bars
        for x, total in zip(positions, bottoms, strict=True):
            if total:
                ax.annotate(
                    _short(total),
                    (x, total),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=INK,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
    ax.set_xticks(list(positions), spec.categories, rotation=_rotation(spec), ha=_ha(spec))
    ax.set_ylabel(spec.value_label, color=INK)
    ax.yaxis.set_major_formatter(_formatter())
    if len(names) > 1:
        ax.legend(frameon=False, fontsize=9, ncols=min(len(names), 4), loc="upper right")


def _pipeline(ax: Any, spec: ChartSpec) -> None:
    from matplotlib.ticker import MaxNLocator

    _bars(ax, spec)
    if spec.counts is None:
        return
    count_axis = ax.twinx()
    count_axis.plot(
        range(len(spec.categories)),
        spec.counts,
        color="#e76f51",
        marker="o",
        linewidth=2,
        label="Opportunities",
    )
    for x, count in enumerate(spec.counts):
        count_axis.annotate(
            str(count),
            (x, count),
            ha="center",
            va="bottom",
            fontsize=9,
            weight="bold",
            color="#e76f51",
            xytext=(0, 9),
            textcoords="offset points",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.9},
        )
    count_axis.set_ylabel("Opportunities", color="#e76f51")
    count_axis.set_ylim(0, max(spec.counts + [1]) * 1.25)
    count_axis.spines["top"].set_visible(False)
    count_axis.tick_params(colors="#e76f51", labelsize=9)
    # Opportunities are counted in whole numbers; a tick at 0.4 of one would be nonsense.
    count_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = count_axis.get_legend_handles_labels()
    # Above the plot, so that it never covers a bar or the count line.
    ax.legend(
        handles + more,
        labels + more_labels,
        frameon=False,
        fontsize=9,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=3,
    )


def _funnel(ax: Any, spec: ChartSpec) -> None:
    values = next(iter(spec.series.values()))
    top = max([*values, 1.0])
    rows = list(range(len(values)))[::-1]
    for index, (y, value) in enumerate(zip(rows, values, strict=True)):
        ax.barh(y, value, left=(top - value) / 2, height=0.72, color=PALETTE[index % 7])
        share = f"  ({100 * value / values[0]:.0f}%)" if values[0] and index else ""
        text = f"{_short(value)}{share}"
        if value > top * 0.35:
            ax.text(
                top / 2,
                y,
                text,
                ha="center",
                va="center",
                fontsize=10,
                color="white",
                weight="bold",
            )
        else:
            ax.text(
                (top + value) / 2 + top * 0.02,
                y,
                text,
                ha="left",
                va="center",
                fontsize=10,
                color=INK,
                weight="bold",
            )
    ax.set_xlim(0, top)
    ax.set_yticks(rows, spec.categories, fontsize=10)
    ax.set_xticks([])
    ax.grid(False)
    ax.tick_params(axis="y", length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


def _rotation(spec: ChartSpec) -> int:
    longest = max((len(label) for label in spec.categories), default=0)
    return 30 if longest * len(spec.categories) > 90 else 0


def _ha(spec: ChartSpec) -> str:
    return "right" if _rotation(spec) else "center"


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            shown = value / limit
            return f"{shown:.0f}{suffix}" if shown == int(shown) else f"{shown:.1f}{suffix}"
    return f"{value:.0f}"


def _formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: _short(value))
