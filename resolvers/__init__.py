"""What each field means: access rules, validation, range math, figures and writes."""
