"""Printable sheets drawn on the server: the village sheet, the current map view, the plan
text by section or chapter and the 公示栏 poster, as HTML laid out for paper and as PDF
(WeasyPrint), so every phone and printer gets the same result.

- styles.py: the web map's feature styles (static/js/map/styles.js) in Python, and swatches;
- frame.py: the sheet's map frame (bbox, paper, scale bar, north arrow);
- drawing.py: the public layers inside a frame as SVG, under the layers' access rules;
- pdf.py: HTML to PDF and the PDF response;
- common.py: paper, date, QR code, notices, HTML or PDF answer;
- views.py (village sheet, map sheet), text_views.py (a section or chapter), poster.py
  (the village's A3 公示栏 poster): the pages.
"""
