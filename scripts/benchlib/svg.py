"""A tiny SVG writer: elements, scales, ticks and axes. No dependencies."""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
# Okabe-Ito colours (distinguishable with colour-blindness), yellow left out: unreadable on white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
GRID = "#e6e6e6"
AXIS = "#444444"
MUTED = "#666666"


def num(value: float) -> str:
    """Coordinates with at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class Svg:
    def __init__(self, width: float, height: float, title: str | None = None):
        self.width = width
        self.height = height
        self.parts: list[str] = []
        self.defs: list[str] = []
        self.title = title

    @staticmethod
    def _attrs(attrs: dict) -> str:
        out = []
        for key, value in attrs.items():
            if value is None:
                continue
            name = key.rstrip("_").replace("_", "-")
            text = num(value) if isinstance(value, float) else str(value)
            out.append(f" {name}={quoteattr(text)}")
        return "".join(out)

    def element(self, tag: str, text: str | None = None, **attrs) -> None:
        if text is None:
            self.parts.append(f"<{tag}{self._attrs(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{self._attrs(attrs)}>{escape(text)}</{tag}>")

    def line(self, x1, y1, x2, y2, stroke=AXIS, **attrs) -> None:
        self.element("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2),
                     stroke=stroke, **attrs)

    def rect(self, x, y, w, h, **attrs) -> None:
        self.element("rect", x=float(x), y=float(y), width=float(max(w, 0)),
                     height=float(max(h, 0)), **attrs)

    def circle(self, cx, cy, r, **attrs) -> None:
        self.element("circle", cx=float(cx), cy=float(cy), r=float(r), **attrs)

    def path(self, d: str, **attrs) -> None:
        self.element("path", d=d, **attrs)

    def text(self, x, y, text: str, size: float = 12, anchor: str = "start", **attrs) -> None:
        self.element("text", text, x=float(x), y=float(y), font_size=float(size),
                     text_anchor=anchor, **attrs)

    def open_group(self, **attrs) -> None:
        self.parts.append(f"<g{self._attrs(attrs)}>")

    def close_group(self) -> None:
        self.parts.append("</g>")

    def clip_rect(self, ident: str, x, y, w, h) -> str:
        """Define a rectangular clip path; returns the value for `clip_path=`."""
        self.defs.append(f'<clipPath id={quoteattr(ident)}><rect x="{num(x)}" y="{num(y)}" '
                         f'width="{num(max(w, 0))}" height="{num(max(h, 0))}"/></clipPath>')
        return f"url(#{ident})"

    def render(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(self.width)}" '
                f'height="{num(self.height)}" viewBox="0 0 {num(self.width)} '
                f'{num(self.height)}" font-family={quoteattr(FONT)}>')
        body = [head]
        if self.title:
            body.append(f"<title>{escape(self.title)}</title>")
        if self.defs:
            body.append("<defs>" + "".join(self.defs) + "</defs>")
        body.append(f'<rect x="0" y="0" width="{num(self.width)}" height="{num(self.height)}" '
                    'fill="#ffffff"/>')
        body.extend(self.parts)
        body.append("</svg>")
        return "\n".join(body) + "\n"

    def write(self, path: Path) -> None:
        Path(path).write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + self.render(),
                              encoding="utf-8")


class Linear:
    def __init__(self, d0: float, d1: float, r0: float, r1: float):
        if d1 == d0:
            d1 = d0 + 1
        self.d0, self.d1, self.r0, self.r1 = d0, d1, r0, r1

    def __call__(self, v: float) -> float:
        return self.r0 + (v - self.d0) * (self.r1 - self.r0) / (self.d1 - self.d0)


class Log10:
    """Log scale; values outside [d0, d1] map to the nearest end."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float):
        self.l0, self.l1 = math.log10(d0), math.log10(max(d1, d0 * 10))
        self.d0, self.r0, self.r1 = d0, r0, r1

    def __call__(self, v: float) -> float:
        lv = min(math.log10(v), self.l1) if v > self.d0 else self.l0
        return self.r0 + (lv - self.l0) * (self.r1 - self.r0) / (self.l1 - self.l0)


def nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    step = nice_step(hi - lo, count)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 12))
        v += step
    return ticks


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^k at or above value."""
    if value <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * mag * (1 + 1e-12):
            return m * mag
    return 10 * mag


def si(value: float) -> str:
    """14392528 -> '14.4M'; 0.5 -> '0.5'."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def seconds_label(value: float) -> str:
    return f"{value:g}"


def axes(svg: Svg, box: tuple[float, float, float, float], xscale, yscale,
         xticks: list[float], yticks: list[float], xfmt, yfmt,
         xlabel: str = "", ylabel: str = "") -> None:
    """Grid, frame, tick labels and axis labels for the plot area box = (x, y, w, h)."""
    x, y, w, h = box
    for t in yticks:
        ty = yscale(t)
        svg.line(x, ty, x + w, ty, stroke=GRID)
        svg.text(x - 6, ty + 4, yfmt(t), size=11, anchor="end", fill=AXIS)
    for t in xticks:
        tx = xscale(t)
        svg.line(tx, y, tx, y + h, stroke=GRID)
        svg.text(tx, y + h + 15, xfmt(t), size=11, anchor="middle", fill=AXIS)
    svg.rect(x, y, w, h, fill="none", stroke=AXIS)
    if xlabel:
        svg.text(x + w / 2, y + h + 32, xlabel, size=11, anchor="middle", fill=MUTED)
    if ylabel:
        cx, cy = x - 56, y + h / 2
        svg.text(cx, cy, ylabel, size=11, anchor="middle", fill=MUTED,
                 transform=f"rotate(-90 {num(cx)} {num(cy)})")


def step_path(points: list[tuple[float, float]], end_x: float | None = None) -> str:
    """An SVG path through (x, y) points as a step function (hold, then jump)."""
    if not points:
        return ""
    parts = [f"M{num(points[0][0])} {num(points[0][1])}"]
    for px, py in points[1:]:
        parts.append(f"H{num(px)}V{num(py)}")
    if end_x is not None and end_x > points[-1][0]:
        parts.append(f"H{num(end_x)}")
    return "".join(parts)
