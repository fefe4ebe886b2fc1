"""What the page and the HTML report both compute and draw (no page code)."""
