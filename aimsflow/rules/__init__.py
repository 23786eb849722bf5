"""Rules of the standard and of the certification body: gates, dates, segregation of duties."""
