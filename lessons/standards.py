"""The reference standards of DESIGN.md, as seed data.

Numbers and short titles follow the instruments; the short titles are our own
summaries, the source link leads to the official text. Moderators can correct
or extend them in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OHCHR = "https://www.ohchr.org/en/instruments-mechanisms/instruments/"


@dataclass(frozen=True)
class InstrumentData:
    slug: str
    title: str
    short_title: str
    adopted_by: str
    year: int
    source_url: str
    provisions: list[tuple[str, str]] = field(default_factory=list)


STANDARDS: list[InstrumentData] = [
    InstrumentData(
        slug="un-code-of-conduct",
        title="UN Code of Conduct for Law Enforcement Officials",
        short_title="UN Code of Conduct",
        adopted_by="UN General Assembly resolution 34/169",
        year=1979,
        source_url=OHCHR + "code-conduct-law-enforcement-officials",
        provisions=[
            ("Art. 1", "Serve the community and protect all persons against illegal acts"),
            ("Art. 2", "Respect and protect human dignity and human rights"),
            ("Art. 3", "Use force only when strictly necessary"),
            ("Art. 4", "Keep confidential matters confidential"),
            ("Art. 5", "Never inflict, instigate or tolerate torture or ill-treatment"),
            ("Art. 6", "Protect the health of persons in custody"),
            ("Art. 7", "Commit no act of corruption and oppose it"),
            ("Art. 8", "Respect the law and this Code; prevent and report violations"),
        ],
    ),
    InstrumentData(
        slug="un-basic-principles-force-firearms",
        title="UN Basic Principles on the Use of Force and Firearms by Law Enforcement Officials",
        short_title="UN Basic Principles on Force and Firearms",
        adopted_by="Eighth UN Congress on the Prevention of Crime and the Treatment of Offenders",
        year=1990,
        source_url=OHCHR + "basic-principles-use-force-and-firearms-law-enforcement",
        provisions=[
            ("Principle 1", "Rules and regulations on the use of force and firearms"),
            ("Principle 2", "A range of means, including less-lethal weapons and protective gear"),
            ("Principle 3", "Careful evaluation and control of less-lethal weapons"),
            ("Principle 4", "Non-violent means first"),
            ("Principle 5", "Restraint, proportionality, medical aid and notifying relatives"),
            ("Principle 6", "Reporting injury or death caused by force"),
            ("Principle 7", "Arbitrary or abusive force punished as a criminal offence"),
            ("Principle 8", "No exceptional circumstances justify departing from the principles"),
            ("Principle 9", "Firearms only against an imminent threat to life or serious injury"),
            ("Principle 10", "Identify yourself and give a clear warning"),
            ("Principle 11", "Rules and regulations on firearms"),
            ("Principle 12", "Everyone may take part in lawful and peaceful assemblies"),
            ("Principle 13", "Dispersing unlawful but non-violent assemblies"),
            ("Principle 14", "Dispersing violent assemblies"),
            ("Principle 15", "Force against persons in custody or detention"),
            ("Principle 16", "Firearms against persons in custody or detention"),
            ("Principle 17", "The Standard Minimum Rules for the Treatment of Prisoners apply"),
            ("Principle 18", "Selection and suitability of officials"),
            ("Principle 19", "Training and testing in the use of force"),
            ("Principle 20", "Training in police ethics, human rights and alternatives to force"),
            ("Principle 21", "Stress counselling after use of force"),
            ("Principle 22", "Effective reporting and review procedures"),
            ("Principle 23", "Independent process, including judicial, for those affected"),
            ("Principle 24", "Responsibility of superior officers"),
            ("Principle 25", "No sanction for refusing unlawful orders or reporting abuse"),
            ("Principle 26", "Obeying superior orders is no defence"),
        ],
    ),
    InstrumentData(
        slug="un-guidance-less-lethal-weapons",
        title="United Nations Human Rights Guidance on Less-Lethal Weapons in Law Enforcement",
        short_title="UN Guidance on Less-Lethal Weapons",
        adopted_by="Office of the UN High Commissioner for Human Rights",
        year=2020,
        source_url="https://www.ohchr.org/en/publications/policy-and-methodological-publications/"
        "united-nations-human-rights-guidance-less-lethal",
        provisions=[
            ("Section 2", "General principles on the use of force"),
            ("Section 3", "Legal review, procurement and testing of weapons"),
            ("Section 4", "Training, accountability and monitoring"),
            ("Section 7", "Specific weapons and their use"),
        ],
    ),
    InstrumentData(
        slug="un-body-of-principles-detention",
        title="Body of Principles for the Protection of All Persons under Any Form of "
        "Detention or Imprisonment",
        short_title="UN Body of Principles on Detention",
        adopted_by="UN General Assembly resolution 43/173",
        year=1988,
        source_url=OHCHR + "body-principles-protection-all-persons-under-any-form-detention",
        provisions=[
            ("Principle 1", "Humane treatment and respect for human dignity"),
            ("Principle 6", "No torture or cruel, inhuman or degrading treatment"),
            ("Principle 10", "Prompt information on the reasons for arrest"),
            ("Principle 11", "Prompt hearing by a judicial or other authority"),
            ("Principle 13", "Information on one's rights"),
            ("Principle 15", "No incommunicado detention beyond a matter of days"),
            ("Principle 16", "Notifying family of arrest and place of detention"),
            ("Principle 17", "Right to the assistance of a lawyer"),
            ("Principle 18", "Communicating with and consulting a lawyer"),
            ("Principle 21", "No abuse of detention to force a confession"),
            ("Principle 24", "Medical examination on admission"),
            ("Principle 32", "Right to challenge the lawfulness of detention"),
            ("Principle 33", "Right to complain about treatment"),
            ("Principle 34", "Inquiry into death or disappearance in detention"),
        ],
    ),
    InstrumentData(
        slug="iccpr",
        title="International Covenant on Civil and Political Rights",
        short_title="ICCPR",
        adopted_by="UN General Assembly resolution 2200A (XXI)",
        year=1966,
        source_url=OHCHR + "international-covenant-civil-and-political-rights",
        provisions=[
            ("Art. 6", "Right to life"),
            ("Art. 7", "Prohibition of torture and cruel, inhuman or degrading treatment"),
            ("Art. 9", "Liberty and security of person; no arbitrary arrest or detention"),
            ("Art. 17", "Privacy, family, home and correspondence"),
            ("Art. 19", "Freedom of opinion and expression"),
            ("Art. 21", "Right of peaceful assembly"),
        ],
    ),
    InstrumentData(
        slug="european-code-of-police-ethics",
        title="European Code of Police Ethics (Recommendation Rec(2001)10)",
        short_title="European Code of Police Ethics",
        adopted_by="Committee of Ministers of the Council of Europe",
        year=2001,
        source_url="https://rm.coe.int/16805e297e",
        provisions=[
            ("Art. 35", "Respect everyone's right to life"),
            ("Art. 36", "Never inflict, instigate or tolerate torture or ill-treatment"),
            ("Art. 37", "Force only when strictly necessary and to a legitimate end"),
        ],
    ),
]
