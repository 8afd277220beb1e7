"""Open data: a read-only OParl 1.1 interface (https://oparl.org), JSON without login.

Only what the public register may show is served: meetings whose notice is published,
approved minutes, decided proposals that no exempt item handled, and people who agreed
to be published. Items exempt from public access show their number and legal basis only.
"""
