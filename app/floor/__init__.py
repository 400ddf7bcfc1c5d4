"""The floor, live: counsellors' status, occupancy rounds, the exit kiosk (issue 11)."""
