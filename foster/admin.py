"""Nothing of the foster programme is in the Django admin: applicants' and homes' records are
personal data, changed only through the foster pages and their services (with history and
access logging). The capacity by type and the adoptive registration period are settings
(MIMAMORI_FOSTER_CAPACITY, MIMAMORI_ADOPTIVE_FOSTER_YEARS)."""
