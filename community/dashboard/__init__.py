"""Community health: the staff dashboard, its CSV export and the weekly summary e-mail."""
