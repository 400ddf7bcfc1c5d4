"""The figures layer: every count the dashboard, the floor board and the reports show.

One period-and-scope object (scope.py) names what is counted; one module per family of
figures (flow.py, interviews.py) reads the daily rollups (rollups.py) and returns plain
rows; the dashboard (dashboard.py) and the reports (app/exports) only shape those rows.
"""
