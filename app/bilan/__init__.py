"""The bilan d'activité: the annual report as a page, a PDF and a static folder.

- :mod:`app.bilan.data`: the figures, gathered once from the figures layer into one dict;
- :mod:`app.bilan.sections`: the document's sections, in order, each with its guard;
- :mod:`app.bilan.charts`: charts drawn on the server as SVG from the same grids;
- :mod:`app.bilan.render`: the HTML (page, PDF, static folder) from one template;
- :mod:`app.bilan.services`: the director's foreword.
"""
