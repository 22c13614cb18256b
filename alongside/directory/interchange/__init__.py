"""Open Referral UK interchange: serialisers, the profile's schemas, import and export of feeds."""
