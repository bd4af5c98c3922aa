"""Word clouds of label frequencies, rendered to PNG with the ``wordcloud`` package."""
from __future__ import annotations

import io

from wordcloud import WordCloud


def wordcloud_png(frequencies: dict[str, float], width: int = 640, height: int = 320, seed: int = 0) -> bytes:
    """PNG bytes of a word cloud: each label sized by its frequency (frames, or summed scores).

    Underscores in ImageNet names become spaces. ``seed`` fixes the layout, so the same data gives
    the same picture. Raises ``ValueError`` for empty frequencies.
    """
    words = {label.replace("_", " "): value for label, value in frequencies.items() if value > 0}
    if not words:
        raise ValueError("no labels to draw")
    cloud = WordCloud(width=width, height=height, background_color="white", colormap="viridis", random_state=seed, prefer_horizontal=0.9, margin=4)
    image = cloud.generate_from_frequencies(words).to_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
