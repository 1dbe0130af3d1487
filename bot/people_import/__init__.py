"""`referral-bot import people.csv --municipality ID`: a spreadsheet of people merged into a
municipality's directory file, changing only the spots it has to (see merge)."""
