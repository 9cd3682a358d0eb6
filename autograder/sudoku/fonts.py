"""Font files with printed digits, for rendering training digits and synthetic Sudoku photos.

Only fonts installed with the course's own dependencies are used (matplotlib ships DejaVu,
STIX and Computer Modern), so every machine renders the same images.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

# Text faces only: the STIX size/symbol variants and cmex/cmsy/cmmi hold no plain digits.
_MATPLOTLIB_FACES = [
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf", "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf",
]


def matplotlib_font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def digit_fonts() -> list[Path]:
    """Paths of the font files to draw digits with, in a fixed order."""
    folder = matplotlib_font_dir()
    return [folder / name for name in _MATPLOTLIB_FACES if (folder / name).exists()]
