"""Charts drawn for Slack: the open pipeline by stage as a PNG (matplotlib, Agg, lazily)."""

import hashlib
from pathlib import Path

from crm.home.service import StageTotal


def pipeline_chart(totals: list[StageTotal], directory: Path) -> Path:
    """Draw the pipeline's estimated and weighted value per stage; return the PNG's path.

    The file is named after its data, so the same pipeline is drawn (and uploaded) once.
    """
    labels = [f"{t.cycle} {t.stage} · {t.description}"[:40] for t in totals]
    digest = hashlib.sha1(
        repr(
            [
                (label, t.estimated_value, t.current_value)
                for label, t in zip(labels, totals, strict=True)
            ]
        ).encode()
    ).hexdigest()[:12]
    path = directory / f"pipeline-{digest}.png"
    if path.exists():
        return path
    # pyplot keeps global state and is not thread-safe; a bare Figure with Agg is both.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 0.6 * len(totals) + 1.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(totals)))
    axes.barh(positions, [float(t.estimated_value) for t in totals], label="estimated")
    axes.barh(positions, [float(t.current_value) for t in totals], label="weighted", height=0.4)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_title("Open pipeline by stage")
    axes.legend(loc="lower right")
    figure.tight_layout()
    directory.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
