"""The reference standards of DESIGN.md, as seed data.

Numbers and short titles follow the instruments; the short titles are our own
summaries, the source link leads to the official text. Moderators can correct
or extend them in the admin.

The texts are stored in English; ``pgettext_noop`` puts each in the catalogue,
where the titles carry the instruments' official titles in each language
(``Instrument.display_title`` and the like show them). A text corrected in the
admin no longer matches its entry and is shown as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from common.catalogue import pgettext_noop

OHCHR = "https://www.ohchr.org/en/instruments-mechanisms/instruments/"


# How a provision's number reads in each language ("Principle 15": "Principe 15").
NUMBER_FORMATS = {
    "Art.": pgettext_noop("provision number", "Art. %(number)s"),
    "Principle": pgettext_noop("provision number", "Principle %(number)s"),
    "Section": pgettext_noop("provision number", "Section %(number)s"),
}


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
        title=pgettext_noop("standard title", "UN Code of Conduct for Law Enforcement Officials"),
        short_title=pgettext_noop("standard short title", "UN Code of Conduct"),
        adopted_by=pgettext_noop("standard adopted by", "UN General Assembly resolution 34/169"),
        year=1979,
        source_url=OHCHR + "code-conduct-law-enforcement-officials",
        provisions=[
            (
                "Art. 1",
                pgettext_noop(
                    "provision title",
                    "Serve the community and protect all persons against illegal acts",
                ),
            ),
            (
                "Art. 2",
                pgettext_noop(
                    "provision title", "Respect and protect human dignity and human rights"
                ),
            ),
            ("Art. 3", pgettext_noop("provision title", "Use force only when strictly necessary")),
            ("Art. 4", pgettext_noop("provision title", "Keep confidential matters confidential")),
            (
                "Art. 5",
                pgettext_noop(
                    "provision title",
                    "Never inflict, instigate or tolerate torture or ill-treatment",
                ),
            ),
            (
                "Art. 6",
                pgettext_noop("provision title", "Protect the health of persons in custody"),
            ),
            (
                "Art. 7",
                pgettext_noop("provision title", "Commit no act of corruption and oppose it"),
            ),
            (
                "Art. 8",
                pgettext_noop(
                    "provision title",
                    "Respect the law and this Code; prevent and report violations",
                ),
            ),
        ],
    ),
    InstrumentData(
        slug="un-basic-principles-force-firearms",
        title=pgettext_noop(
            "standard title",
            "UN Basic Principles on the Use of Force and Firearms by Law Enforcement Officials",
        ),
        short_title=pgettext_noop(
            "standard short title", "UN Basic Principles on Force and Firearms"
        ),
        adopted_by=pgettext_noop(
            "standard adopted by",
            "Eighth UN Congress on the Prevention of Crime and the Treatment of Offenders",
        ),
        year=1990,
        source_url=OHCHR + "basic-principles-use-force-and-firearms-law-enforcement",
        provisions=[
            (
                "Principle 1",
                pgettext_noop(
                    "provision title", "Rules and regulations on the use of force and firearms"
                ),
            ),
            (
                "Principle 2",
                pgettext_noop(
                    "provision title",
                    "A range of means, including less-lethal weapons and protective gear",
                ),
            ),
            (
                "Principle 3",
                pgettext_noop(
                    "provision title", "Careful evaluation and control of less-lethal weapons"
                ),
            ),
            ("Principle 4", pgettext_noop("provision title", "Non-violent means first")),
            (
                "Principle 5",
                pgettext_noop(
                    "provision title",
                    "Restraint, proportionality, medical aid and notifying relatives",
                ),
            ),
            (
                "Principle 6",
                pgettext_noop("provision title", "Reporting injury or death caused by force"),
            ),
            (
                "Principle 7",
                pgettext_noop(
                    "provision title", "Arbitrary or abusive force punished as a criminal offence"
                ),
            ),
            (
                "Principle 8",
                pgettext_noop(
                    "provision title",
                    "No exceptional circumstances justify departing from the principles",
                ),
            ),
            (
                "Principle 9",
                pgettext_noop(
                    "provision title",
                    "Firearms only against an imminent threat to life or serious injury",
                ),
            ),
            (
                "Principle 10",
                pgettext_noop("provision title", "Identify yourself and give a clear warning"),
            ),
            ("Principle 11", pgettext_noop("provision title", "Rules and regulations on firearms")),
            (
                "Principle 12",
                pgettext_noop(
                    "provision title", "Everyone may take part in lawful and peaceful assemblies"
                ),
            ),
            (
                "Principle 13",
                pgettext_noop("provision title", "Dispersing unlawful but non-violent assemblies"),
            ),
            ("Principle 14", pgettext_noop("provision title", "Dispersing violent assemblies")),
            (
                "Principle 15",
                pgettext_noop("provision title", "Force against persons in custody or detention"),
            ),
            (
                "Principle 16",
                pgettext_noop(
                    "provision title", "Firearms against persons in custody or detention"
                ),
            ),
            (
                "Principle 17",
                pgettext_noop(
                    "provision title",
                    "The Standard Minimum Rules for the Treatment of Prisoners apply",
                ),
            ),
            (
                "Principle 18",
                pgettext_noop("provision title", "Selection and suitability of officials"),
            ),
            (
                "Principle 19",
                pgettext_noop("provision title", "Training and testing in the use of force"),
            ),
            (
                "Principle 20",
                pgettext_noop(
                    "provision title",
                    "Training in police ethics, human rights and alternatives to force",
                ),
            ),
            (
                "Principle 21",
                pgettext_noop("provision title", "Stress counselling after use of force"),
            ),
            (
                "Principle 22",
                pgettext_noop("provision title", "Effective reporting and review procedures"),
            ),
            (
                "Principle 23",
                pgettext_noop(
                    "provision title", "Independent process, including judicial, for those affected"
                ),
            ),
            (
                "Principle 24",
                pgettext_noop("provision title", "Responsibility of superior officers"),
            ),
            (
                "Principle 25",
                pgettext_noop(
                    "provision title", "No sanction for refusing unlawful orders or reporting abuse"
                ),
            ),
            (
                "Principle 26",
                pgettext_noop("provision title", "Obeying superior orders is no defence"),
            ),
        ],
    ),
    InstrumentData(
        slug="un-guidance-less-lethal-weapons",
        title=pgettext_noop(
            "standard title",
            "United Nations Human Rights Guidance on Less-Lethal Weapons in Law Enforcement",
        ),
        short_title=pgettext_noop("standard short title", "UN Guidance on Less-Lethal Weapons"),
        adopted_by=pgettext_noop(
            "standard adopted by", "Office of the UN High Commissioner for Human Rights"
        ),
        year=2020,
        source_url="https://www.ohchr.org/en/publications/policy-and-methodological-publications/"
        "united-nations-human-rights-guidance-less-lethal",
        provisions=[
            (
                "Section 2",
                pgettext_noop("provision title", "General principles on the use of force"),
            ),
            (
                "Section 3",
                pgettext_noop(
                    "provision title", "Legal review, procurement and testing of weapons"
                ),
            ),
            (
                "Section 4",
                pgettext_noop("provision title", "Training, accountability and monitoring"),
            ),
            ("Section 7", pgettext_noop("provision title", "Specific weapons and their use")),
        ],
    ),
    InstrumentData(
        slug="un-body-of-principles-detention",
        title=pgettext_noop(
            "standard title",
            "Body of Principles for the Protection of All Persons under Any Form of "
            "Detention or Imprisonment",
        ),
        short_title=pgettext_noop("standard short title", "UN Body of Principles on Detention"),
        adopted_by=pgettext_noop("standard adopted by", "UN General Assembly resolution 43/173"),
        year=1988,
        source_url=OHCHR + "body-principles-protection-all-persons-under-any-form-detention",
        provisions=[
            (
                "Principle 1",
                pgettext_noop("provision title", "Humane treatment and respect for human dignity"),
            ),
            (
                "Principle 6",
                pgettext_noop(
                    "provision title", "No torture or cruel, inhuman or degrading treatment"
                ),
            ),
            (
                "Principle 10",
                pgettext_noop("provision title", "Prompt information on the reasons for arrest"),
            ),
            (
                "Principle 11",
                pgettext_noop("provision title", "Prompt hearing by a judicial or other authority"),
            ),
            ("Principle 13", pgettext_noop("provision title", "Information on one's rights")),
            (
                "Principle 15",
                pgettext_noop(
                    "provision title", "No incommunicado detention beyond a matter of days"
                ),
            ),
            (
                "Principle 16",
                pgettext_noop(
                    "provision title", "Notifying family of arrest and place of detention"
                ),
            ),
            (
                "Principle 17",
                pgettext_noop("provision title", "Right to the assistance of a lawyer"),
            ),
            (
                "Principle 18",
                pgettext_noop("provision title", "Communicating with and consulting a lawyer"),
            ),
            (
                "Principle 21",
                pgettext_noop("provision title", "No abuse of detention to force a confession"),
            ),
            ("Principle 24", pgettext_noop("provision title", "Medical examination on admission")),
            (
                "Principle 32",
                pgettext_noop("provision title", "Right to challenge the lawfulness of detention"),
            ),
            ("Principle 33", pgettext_noop("provision title", "Right to complain about treatment")),
            (
                "Principle 34",
                pgettext_noop(
                    "provision title", "Inquiry into death or disappearance in detention"
                ),
            ),
        ],
    ),
    InstrumentData(
        slug="iccpr",
        title=pgettext_noop(
            "standard title", "International Covenant on Civil and Political Rights"
        ),
        short_title=pgettext_noop("standard short title", "ICCPR"),
        adopted_by=pgettext_noop(
            "standard adopted by", "UN General Assembly resolution 2200A (XXI)"
        ),
        year=1966,
        source_url=OHCHR + "international-covenant-civil-and-political-rights",
        provisions=[
            ("Art. 6", pgettext_noop("provision title", "Right to life")),
            (
                "Art. 7",
                pgettext_noop(
                    "provision title",
                    "Prohibition of torture and cruel, inhuman or degrading treatment",
                ),
            ),
            (
                "Art. 9",
                pgettext_noop(
                    "provision title",
                    "Liberty and security of person; no arbitrary arrest or detention",
                ),
            ),
            (
                "Art. 17",
                pgettext_noop("provision title", "Privacy, family, home and correspondence"),
            ),
            ("Art. 19", pgettext_noop("provision title", "Freedom of opinion and expression")),
            ("Art. 21", pgettext_noop("provision title", "Right of peaceful assembly")),
        ],
    ),
    InstrumentData(
        slug="european-code-of-police-ethics",
        title=pgettext_noop(
            "standard title", "European Code of Police Ethics (Recommendation Rec(2001)10)"
        ),
        short_title=pgettext_noop("standard short title", "European Code of Police Ethics"),
        adopted_by=pgettext_noop(
            "standard adopted by", "Committee of Ministers of the Council of Europe"
        ),
        year=2001,
        source_url="https://rm.coe.int/16805e297e",
        provisions=[
            ("Art. 35", pgettext_noop("provision title", "Respect everyone's right to life")),
            (
                "Art. 36",
                pgettext_noop(
                    "provision title",
                    "Never inflict, instigate or tolerate torture or ill-treatment",
                ),
            ),
            (
                "Art. 37",
                pgettext_noop(
                    "provision title", "Force only when strictly necessary and to a legitimate end"
                ),
            ),
        ],
    ),
]
