# ruff: noqa: E501 - one topic per two lines reads better than wrapped strings
"""The seed tag vocabulary of the network (DESIGN.md), with a line on each topic.

Names and descriptions are the canonical English text stored in the database;
``pgettext_noop`` puts each in the catalogue, where it is translated with the
interface (``Tag.display_name`` and ``Tag.display_description`` show it).
"""

from common.catalogue import pgettext_noop

SEED_TAGS: list[tuple[str, str, str]] = [
    ("use-of-force", pgettext_noop("topic name", "Use of force"),
     pgettext_noop("topic description", "When and how police may use force: necessity, proportionality, de-escalation.")),
    ("firearms", pgettext_noop("topic name", "Firearms"),
     pgettext_noop("topic description", "Police use of firearms, warnings, and the protection of life.")),
    ("less-lethal-weapons", pgettext_noop("topic name", "Less-lethal weapons"),
     pgettext_noop("topic description", "Batons, chemical irritants, electric-shock weapons, kinetic projectiles, water cannon.")),
    ("public-assembly", pgettext_noop("topic name", "Public assembly"),
     pgettext_noop("topic description", "Policing demonstrations and protests; facilitating peaceful assembly; dispersal.")),
    ("freedom-of-expression", pgettext_noop("topic name", "Freedom of expression"),
     pgettext_noop("topic description", "Speech, protest slogans, online expression and how police respond to them.")),
    ("arrest-and-detention", pgettext_noop("topic name", "Arrest and detention"),
     pgettext_noop("topic description", "Grounds for arrest, rights on arrest, police custody, access to a lawyer.")),
    ("stop-and-search", pgettext_noop("topic name", "Stop and search"),
     pgettext_noop("topic description", "Stops, identity checks and searches of persons in public places.")),
    ("search-and-seizure", pgettext_noop("topic name", "Search and seizure"),
     pgettext_noop("topic description", "Searches of homes, vehicles and devices; warrants; seizure of property.")),
    ("torture-and-ill-treatment", pgettext_noop("topic name", "Torture and ill-treatment"),
     pgettext_noop("topic description", "Prevention, documentation and investigation of torture and ill-treatment.")),
    ("deaths-in-custody", pgettext_noop("topic name", "Deaths in custody"),
     pgettext_noop("topic description", "Deaths during or after police contact and their independent investigation.")),
    ("accountability", pgettext_noop("topic name", "Accountability"),
     pgettext_noop("topic description", "Holding police and individual officers to account: complaints, discipline, prosecution.")),
    ("police-oversight", pgettext_noop("topic name", "Police oversight"),
     pgettext_noop("topic description", "Independent oversight bodies, inspectorates, ombudspersons and civilian review.")),
    ("police-reform", pgettext_noop("topic name", "Police reform"),
     pgettext_noop("topic description", "Changing laws, structures, policies and culture of police organisations.")),
    ("training", pgettext_noop("topic name", "Training"),
     pgettext_noop("topic description", "Human rights training for police: curricula, methods, what changes practice.")),
    ("discrimination-and-profiling", pgettext_noop("topic name", "Discrimination and profiling"),
     pgettext_noop("topic description", "Ethnic and other profiling, discriminatory policing and how to measure it.")),
    ("surveillance", pgettext_noop("topic name", "Surveillance"),
     pgettext_noop("topic description", "Police surveillance, data collection, facial recognition and the right to privacy.")),
    ("counter-terrorism", pgettext_noop("topic name", "Counter-terrorism"),
     pgettext_noop("topic description", "Counter-terrorism powers and their effect on rights and on communities.")),
    ("covid-19", pgettext_noop("topic name", "COVID-19"),
     pgettext_noop("topic description", "Policing public-health measures: curfews, lockdowns and their enforcement.")),
    ("journalists-and-press", pgettext_noop("topic name", "Journalists and press"),
     pgettext_noop("topic description", "Safety of journalists and media workers at protests and in police encounters.")),
    ("children-and-youth", pgettext_noop("topic name", "Children and youth"),
     pgettext_noop("topic description", "Police contact with children and young people; juvenile justice safeguards.")),
]  # fmt: skip
