"""Seeding: the reference standards (always) and the demo lessons (demo only).

The demo lessons are composites like the demo threads: no real victim, officer
or case is named, though the countries, periods and the public documents they
cite are real. Every lesson, review step and edit goes through lessons.services,
so authorships, revisions, the search index and notifications are what members'
own actions would have produced; only the dates are moved afterwards, to spread
the work over the last three months.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from lessons import services
from lessons.models import (
    Instrument,
    Lesson,
    LessonRevision,
    Provision,
    Setting,
    Transition,
)
from lessons.services import LessonData, SourceData
from lessons.standards import STANDARDS
from members.demo import demo_members
from members.models import Tag, User
from notifications.demo import quiet_seeded_inboxes
from notifications.models import Notification, OutboxEmail

# Notifications of the demo accounts from the last days stay unread (as in
# forum.demo), so that whoever logs in as the moderator sees the review queue.


def ensure_standards() -> int:
    """Create missing instruments and provisions; return how many provisions were created."""
    created = 0
    with transaction.atomic():
        for position, data in enumerate(STANDARDS):
            instrument, _ = Instrument.objects.get_or_create(
                slug=data.slug,
                defaults={
                    "title": data.title,
                    "short_title": data.short_title,
                    "adopted_by": data.adopted_by,
                    "year": data.year,
                    "source_url": data.source_url,
                    "position": position,
                },
            )
            for provision_position, (number, title) in enumerate(data.provisions):
                _, was_created = Provision.objects.get_or_create(
                    instrument=instrument,
                    number=number,
                    defaults={
                        "title": title,
                        "source_url": data.source_url,
                        "position": provision_position,
                    },
                )
                created += was_created
    return created


# --- Demo lessons ------------------------------------------------------------------

BP = "un-basic-principles-force-firearms"
COC = "un-code-of-conduct"
BOP = "un-body-of-principles-detention"
LLW = "un-guidance-less-lethal-weapons"
ICCPR = "iccpr"
ECPE = "european-code-of-police-ethics"

# Public documents the demo lessons cite, by a short key.
SOURCES: dict[str, SourceData] = {
    "gc35": SourceData(
        "General Comment No. 35: Article 9 (Liberty and security of person)",
        "UN Human Rights Committee",
        date(2014, 12, 16),
        "https://www.ohchr.org/en/documents/general-comments-and-recommendations/"
        "general-comment-no-35-article-9-liberty-and-security",
    ),
    "gc37": SourceData(
        "General Comment No. 37 (2020) on the right of peaceful assembly (article 21)",
        "UN Human Rights Committee",
        date(2020, 9, 17),
        "https://www.ohchr.org/en/documents/general-comments-and-recommendations/"
        "general-comment-no-37-article-21-right-peaceful",
    ),
    "odihr-assemblies": SourceData(
        "Human Rights Handbook on Policing Assemblies",
        "OSCE Office for Democratic Institutions and Human Rights (ODIHR)",
        date(2016, 3, 10),
        "https://www.osce.org/odihr/226981",
    ),
    "llw": SourceData(
        "United Nations Human Rights Guidance on Less-Lethal Weapons in Law Enforcement",
        "Office of the UN High Commissioner for Human Rights (OHCHR)",
        date(2020, 6, 1),
        "https://www.ohchr.org/en/publications/policy-and-methodological-publications/"
        "united-nations-human-rights-guidance-less-lethal",
    ),
    "lethal-in-disguise": SourceData(
        "Lethal in Disguise 2: How Crowd-Control Weapons Impact Health and Human Rights",
        "INCLO and Physicians for Human Rights, with the Omega Research Foundation",
        date(2023, 3, 22),
        "https://lethalindisguise.org/",
    ),
    "resource-book": SourceData(
        "Resource book on the use of force and firearms in law enforcement",
        "UNODC and OHCHR",
        date(2017, 12, 1),
        "https://www.unodc.org/documents/justice-and-prison-reform/"
        "UNODC-OHCHR_Resource_book_on_the_use_of_force_and_firearms_in_law_enforcement.pdf",
    ),
    "amnesty-force-guidelines": SourceData(
        "Use of Force: Guidelines for Implementation of the UN Basic Principles on the Use "
        "of Force and Firearms by Law Enforcement Officials",
        "Amnesty International, Dutch Section (Police and Human Rights Programme)",
        date(2015, 8, 1),
        "https://www.amnesty.nl/actueel/use-of-force-guidelines-for-implementation-of-the-"
        "un-basic-principles-on-the-use-of-force-and-firearms-by-law-enforcement-officials",
    ),
    "minnesota": SourceData(
        "The Minnesota Protocol on the Investigation of Potentially Unlawful Death (2016)",
        "OHCHR",
        date(2017, 5, 24),
        "https://www.ohchr.org/en/publications/policy-and-methodological-publications/"
        "minnesota-protocol-investigation-potentially",
    ),
    "minnesota-es": SourceData(
        "Protocolo de Minnesota sobre la Investigación de Muertes Potencialmente Ilícitas (2016)",
        "Oficina del Alto Comisionado de las Naciones Unidas para los Derechos Humanos",
        date(2017, 5, 24),
        "https://www.ohchr.org/sites/default/files/Documents/Publications/MinnesotaProtocol_SP.pdf",
    ),
    "body-of-principles-es": SourceData(
        "Conjunto de Principios para la protección de todas las personas sometidas a "
        "cualquier forma de detención o prisión",
        "Asamblea General de las Naciones Unidas (resolución 43/173)",
        date(1988, 12, 9),
        "https://www.ohchr.org/es/instruments-mechanisms/instruments/"
        "body-principles-protection-all-persons-under-any-form-detention",
    ),
    "istanbul": SourceData(
        "Istanbul Protocol: Manual on the Effective Investigation and Documentation of "
        "Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment (2022 edition)",
        "OHCHR",
        date(2022, 6, 29),
        "https://www.ohchr.org/en/publications/policy-and-methodological-publications/"
        "istanbul-protocol-manual-effective-0",
    ),
    "amnesty-covid": SourceData(
        "COVID-19 crackdowns: Police abuse and the global pandemic (ACT 30/3443/2020)",
        "Amnesty International",
        date(2020, 12, 17),
        "https://www.amnesty.org/en/documents/act30/3443/2020/en/",
    ),
    "ohchr-emergency": SourceData(
        "Emergency Measures and COVID-19: Guidance",
        "OHCHR",
        date(2020, 4, 27),
        "https://www.ohchr.org/sites/default/files/Documents/Events/EmergencyMeasures_COVID19.pdf",
    ),
    "legal-aid-handbook": SourceData(
        "Early access to legal aid in criminal justice processes: a handbook for "
        "policymakers and practitioners",
        "UN Office on Drugs and Crime (UNODC)",
        date(2014, 2, 1),
        "https://www.unodc.org/documents/justice-and-prison-reform/"
        "eBook-early_access_to_legal_aid.pdf",
    ),
    "legal-aid-principles": SourceData(
        "United Nations Principles and Guidelines on Access to Legal Aid in Criminal "
        "Justice Systems",
        "UNODC",
        date(2013, 5, 1),
        "https://www.unodc.org/documents/justice-and-prison-reform/"
        "UN_principles_and_guidlines_on_access_to_legal_aid.pdf",
    ),
    "police-accountability": SourceData(
        "Handbook on Police Accountability, Oversight and Integrity",
        "UNODC",
        date(2011, 7, 1),
        "https://www.unodc.org/documents/justice-and-prison-reform/crimeprevention/"
        "PoliceAccountability_Oversight_and_Integrity_10-57991_Ebook.pdf",
    ),
    "fra-profiling": SourceData(
        "Preventing unlawful profiling today and in the future: a guide",
        "European Union Agency for Fundamental Rights (FRA)",
        date(2018, 11, 29),
        "https://fra.europa.eu/en/publication/2018/preventing-unlawful-profiling-today-"
        "and-future-guide",
    ),
    "osji-profiling": SourceData(
        "Addressing Ethnic Profiling by Police: A Report on the Strategies for Effective "
        "Police Stop and Search Project",
        "Open Society Justice Initiative",
        date(2009, 5, 1),
        "https://www.justiceinitiative.org/publications/addressing-ethnic-profiling-police",
    ),
    "perf-body-cameras": SourceData(
        "Implementing a Body-Worn Camera Program: Recommendations and Lessons Learned",
        "Police Executive Research Forum",
        date(2014, 9, 1),
        "https://www.policeforum.org/assets/docs/Free_Online_Documents/Technology/"
        "implementing%20a%20body-worn%20camera%20program.pdf",
    ),
    "crc-gc24": SourceData(
        "General Comment No. 24 (2019) on children's rights in the child justice system",
        "UN Committee on the Rights of the Child",
        date(2019, 9, 18),
        "https://www.ohchr.org/en/documents/general-comments-and-recommendations/"
        "general-comment-no-24-2019-childrens-rights-child",
    ),
    "mendez-principles": SourceData(
        "Principles on Effective Interviewing for Investigations and Information Gathering "
        "(the Méndez Principles)",
        "Association for the Prevention of Torture, Anti-Torture Initiative and Norwegian "
        "Centre for Human Rights",
        date(2021, 5, 1),
        "https://interviewingprinciples.com/",
    ),
}


@dataclass(frozen=True)
class DemoStep:
    """One step of the review, ``days`` after the lesson was started.

    ``action`` is a workflow action of lessons.services, or "edit": the first
    author rewrites the published lesson with ``DemoLesson.revised``.
    """

    action: str
    days: float
    actor: str = ""  # handle; empty: the first author
    comment: str = ""
    make_public: bool = False


@dataclass(frozen=True)
class DemoLesson:
    author: str  # handle of the first author
    days_ago: float  # when the first draft was written
    title: str
    summary: str
    setting: str
    country: str
    region: str
    period: str
    tags: tuple[str, ...]
    provisions: tuple[tuple[str, str], ...]  # (instrument slug, provision number)
    sources: tuple[str, ...]  # keys of SOURCES
    what_happened: str
    what_worked: str = ""
    what_did_not: str = ""
    recommendations: str = ""
    co_authors: tuple[str, ...] = ()
    language: str = "en"
    public_requested: bool = False
    from_thread: str = ""  # title of the demo forum thread the lesson grew out of
    steps: tuple[DemoStep, ...] = ()
    revised: tuple[tuple[str, str], ...] = ()  # (field, text) after the "edit" step


def _submit(days: float) -> DemoStep:
    return DemoStep("submit", days)


def _publish(days: float, by: str, *, public: bool = False, comment: str = "") -> DemoStep:
    return DemoStep("publish", days, by, comment=comment, make_public=public)


DEMO_LESSONS: list[DemoLesson] = [
    DemoLesson(
        "amina",
        50,
        "Containing a peaceful crowd: keep an exit open and a clock running",
        "Police held about 200 mostly peaceful demonstrators in a square for more than four "
        "hours after a few bottles were thrown. A monitors' timeline and a negotiated exit "
        "changed how the next containment was handled; water, toilets and the release of "
        "people with health needs are still the weak points.",
        Setting.DEMONSTRATION,
        "KE",
        "A city-centre square",
        "2023",
        ("public-assembly", "use-of-force"),
        ((BP, "Principle 13"), (BP, "Principle 5"), (ICCPR, "Art. 21")),
        ("gc37", "odihr-assemblies"),
        """A march of a few thousand people against rising living costs ended in a square in \
the city centre. Early in the afternoon a small group threw bottles at a police line. \
Within minutes police closed all four exits of the square and held about 200 people \
inside, almost all of whom had nothing to do with the bottles.

The containment lasted four hours and twenty minutes. There was no water and there were \
no toilets. People who asked to leave were told to wait "until the situation is under \
control", including an older man with a heart condition and two women with small \
children. Release came in one go at dusk, through a single exit, with every person \
photographed on the way out.

Our volunteer monitors were inside and outside the square, which is what made this \
lesson possible.""",
        """- **A timeline, not only photos.** One monitor noted the time every exit was closed, \
every request to leave and the answer, when medics were let in and when people were \
released. That single page was what the police commander, the lawyers and later the \
oversight body all used.
- **A named liaison.** Outside the square, a monitor who knew the event's police liaison \
officer phoned him with the timeline after two hours. The man with the heart condition \
was let out twenty minutes later, and medics were allowed in.
- **Citing the standard in the letter.** Our lawyers' letter after the event quoted the \
Human Rights Committee's General Comment No. 37: isolated violence does not make an \
assembly non-peaceful, and containment must be necessary, proportionate and as short as \
possible. At the next large march, police kept one side of the cordon open and \
announced it by loudspeaker.""",
        """- Water, toilets and medical release depended on one phone call, not on any \
instruction: nothing in the operational order said when they had to be provided.
- Nobody could say which officers refused to let people out: most wore no visible \
identification, so the complaints about the refusals went nowhere.
- Photographing everyone on release felt like a punishment for being there, and nobody \
could tell us what the photos were kept for or how long.""",
        """1. Monitors: add a containment section to your form (times of closing and opening \
exits, requests to leave and answers, water, toilets, medical help, how release happened).
2. Police: write into the operational order that containment targets those involved in \
violence, that an exit stays open for everyone else, and that people with health needs, \
children and their carers are released at once (Principle 5(c)).
3. Set a review time: a commander must re-authorise any containment that lasts more than \
an hour, in writing, with reasons.
4. Ask the police what release photographs are for, how long they are kept and who can \
see them, and challenge the practice if there is no answer.""",
        co_authors=("joao", "elena-v"),
        public_requested=True,
        from_thread="Is it lawful to contain (kettle) a peaceful crowd for hours?",
        steps=(_submit(1.5), _publish(3, "mod-sam", public=True)),
    ),
    DemoLesson(
        "officer-kim",
        47,
        "Rewriting a launcher procedure around the decision not to fire",
        "A unit revised its procedure for launchers that fire rubber-coated and foam "
        "projectiles. Removing crowd dispersal as a purpose, training the decision not to "
        "fire and reviewing every discharge cut the number of discharges; the minimum "
        "distance was harder to keep in practice than on paper.",
        Setting.TRAINING,
        "KR",
        "",
        "2023-2024",
        ("less-lethal-weapons", "training", "public-assembly"),
        ((LLW, "Section 7"), (BP, "Principle 3"), (BP, "Principle 22")),
        ("llw", "lethal-in-disguise"),
        """Our public order unit uses launchers that fire rubber-coated and foam \
projectiles. The old procedure was two pages long, copied mostly from the manufacturer's \
manual: minimum distances, how to load, which parts of the body not to aim at. It said \
almost nothing about *when* firing was justified, and it listed "dispersal of an unlawful \
crowd" among the purposes.

After several head injuries at demonstrations in other countries were in the news, the \
command asked us to revise the procedure. We asked for advice on this network and used \
the UN Human Rights Guidance on Less-Lethal Weapons (2020) as the frame.""",
        """- **Purpose first.** The new procedure allows direct fire only at an individual \
engaged in violence who poses an imminent threat of injury to someone. Dispersing a crowd \
is no longer a purpose. Officers said this was the clearest change of all.
- **Training the decision.** Half the training time is now scenario work in which the \
right answer is often *not* to fire: the person moves behind others, the distance closes, \
the threat ends. Instructors score the decision before they score the aim.
- **Every discharge reviewed.** Each discharge is reported on a one-page form (distance, \
target area, what the officer saw, medical aid given) and reviewed by an officer outside \
the unit within a week. In the first year the unit fired far fewer projectiles than in \
the year before, at events of similar size.""",
        """- The minimum distance in the manufacturer's manual is hard to keep when people \
move quickly; two reviews found discharges at less than half of it. A hard limit on paper \
is not enough without training in judging distance under stress.
- Skip-firing (bouncing projectiles off the ground) kept appearing in old habits, even \
though the procedure now forbids it.
- The reviews are internal. People who were hit have no way to see the outcome of the \
review of the discharge that injured them.""",
        """1. Remove crowd dispersal from the purposes of kinetic impact projectiles; allow \
them only against an individual posing an imminent threat of injury.
2. Ban multiple-projectile rounds, metal-cored projectiles and skip-firing outright.
3. Train judging distance under stress, and make the decision not to fire part of every \
qualification test.
4. Report and review every discharge (Principle 22), and tell the injured person how the \
review ended.""",
        co_authors=("joao",),
        public_requested=True,
        from_thread="Kinetic impact projectiles: where should officers aim, and from how far?",
        steps=(_submit(2), _publish(4, "mod-sam", public=True)),
    ),
    DemoLesson(
        "mariela",
        44,
        "Muerte bajo custodia: lo que permitió a la familia participar en la investigación",
        "Un joven murió horas después de ser detenido; la versión oficial hablaba de un "
        "«malestar súbito». Pedir por escrito y a tiempo la conservación de pruebas, citar el "
        "Protocolo de Minnesota y acompañar a la familia en la autopsia cambió el curso de la "
        "investigación; la lentitud de la fiscalía sigue siendo el obstáculo.",
        Setting.INVESTIGATION,
        "CO",
        "",
        "2023",
        ("deaths-in-custody", "accountability"),
        ((BOP, "Principle 34"), (COC, "Art. 6"), (ICCPR, "Art. 6")),
        ("minnesota-es", "body-of-principles-es"),
        """Un joven de 19 años fue detenido un viernes por la noche por una supuesta riña y \
llevado a una comisaría. Murió en la madrugada. La policía informó a la familia de un \
«malestar súbito», pero la madre vio golpes en el rostro y en las costillas cuando le \
permitieron ver el cuerpo.

Acompañamos a la familia desde el primer día. Este texto resume lo que hicimos, lo que \
funcionó y lo que no, para que otras organizaciones puedan actuar más rápido.""",
        """- **Conservación de pruebas en las primeras 48 horas.** Presentamos por escrito \
ante la fiscalía una solicitud de conservación de las grabaciones de la comisaría, del \
libro de guardia y de la lista del personal de turno. Las grabaciones se conservaron; en \
otros casos que conocemos se borraron a los pocos días.
- **El Protocolo de Minnesota como argumento.** Citar el Protocolo (investigación pronta, \
independiente, imparcial y transparente; derecho de la familia a participar y a estar \
representada en la autopsia) convenció a la fiscal de autorizar a un perito de parte.
- **La carga de la prueba.** Recordar que, cuando una persona muere bajo custodia, \
corresponde al Estado explicar la muerte (principio 34 del Conjunto de Principios; \
artículo 6 del Código de conducta) cambió el tono de las reuniones con la fiscalía.""",
        """- La fiscalía tardó cinco meses en tomar declaración a los agentes de guardia, que \
para entonces habían hablado entre ellos muchas veces.
- La investigación inicial la hizo la misma policía, y nadie lo cuestionó hasta que la \
familia tuvo abogada.
- La familia recibió información por la prensa antes que por las autoridades.""",
        """1. Presentar la solicitud de conservación de pruebas el mismo día: grabaciones, \
registro de custodia, historia clínica de cualquier atención médica, lista del personal.
2. Pedir desde el principio que la investigación no quede en manos de la policía \
implicada.
3. Solicitar la presencia de un perito de confianza en la autopsia, citando el Protocolo \
de Minnesota.
4. Acordar con la fiscalía un canal para informar a la familia antes que a la prensa.""",
        co_authors=("rosa-m",),
        language="es",
        public_requested=True,
        from_thread="¿Qué puede exigir una familia tras una muerte bajo custodia policial?",
        steps=(_submit(1), _publish(3, "joao", public=True)),
    ),
    DemoLesson(
        "fatou",
        40,
        "Couvre-feu sanitaire : remplacer les coups par des consignes claires et l'amende",
        "Pendant le couvre-feu de 2020, des agents ont frappé des personnes dehors après "
        "l'heure. Un dialogue avec le commandement local, des consignes écrites et le recours "
        "à l'amende ont fait reculer les violences ; les travailleurs de nuit restaient "
        "exposés faute d'attestations claires.",
        Setting.PATROL,
        "SN",
        "",
        "2020",
        ("covid-19", "use-of-force"),
        ((COC, "Art. 3"), (BP, "Principle 4"), (BP, "Principle 7")),
        ("amnesty-covid", "ohchr-emergency"),
        """Au début du couvre-feu sanitaire de 2020, des vidéos ont circulé montrant des \
agents frapper à coups de matraque des personnes trouvées dehors après l'heure, y compris \
des vendeurs qui rentraient chez eux et des travailleurs de nuit. Notre association de \
quartier a recueilli une trentaine de témoignages en deux semaines.

Nous avons posé la question sur ce réseau : la police peut-elle frapper ceux qui ne \
respectent pas le couvre-feu ? La réponse est non : le non-respect d'une mesure sanitaire \
n'est pas une menace qui justifie la force, et la force n'est jamais une sanction.""",
        """- **Un dialogue direct avec le commandement local.** Nous avons présenté les \
témoignages, anonymisés, au commissaire de l'arrondissement, avec les articles du Code de \
conduite (article 3 : la force seulement en cas de stricte nécessité) et les Principes de \
base. Il a reconnu que les consignes données aux patrouilles étaient orales et floues.
- **Des consignes écrites.** Une note de service a rappelé aux patrouilles l'ordre des \
mesures : informer, ordonner de rentrer, verbaliser si nécessaire. Les coups ont nettement \
diminué dans les semaines suivantes, selon nos relevés.
- **L'amende plutôt que le bâton.** Le recours à la contravention, même critiquable pour \
les plus pauvres, a remplacé la « punition » physique sur place.""",
        """- Les travailleurs de nuit (soignants, gardiens, boulangers) étaient arrêtés faute \
d'un modèle d'attestation connu des agents.
- Aucune des plaintes déposées pour coups n'a abouti à une sanction à notre connaissance.
- Les amendes ont pesé lourdement sur les personnes qui vivent du commerce de rue.""",
        """1. Écrire et publier les consignes de mise en œuvre d'un couvre-feu : la force \
n'est jamais une sanction (Principe 7 : l'usage arbitraire ou abusif de la force est une \
infraction pénale).
2. Prévoir une attestation simple pour les travailleurs essentiels et la faire connaître \
aux patrouilles avant l'entrée en vigueur.
3. Documenter les violences avec date, heure et lieu précis, même sans identifier les \
agents, et transmettre les relevés au commandement chaque semaine.""",
        co_authors=("claire",),
        language="fr",
        public_requested=True,
        from_thread="Couvre-feu sanitaire : la police peut-elle frapper ceux qui ne le "
        "respectent pas ?",
        steps=(
            _submit(1),
            DemoStep(
                "comment",
                2,
                "joao",
                "Très utile. Pouvez-vous préciser sur combien de semaines portent vos relevés "
                "avant et après la note de service ? Cela rendra la comparaison plus solide.",
            ),
            _publish(3, "joao", public=True),
        ),
    ),
    DemoLesson(
        "lina-h",
        33,
        "Access to a lawyer from the first hour: making it happen in the custody record",
        "The law already gave suspects a right to a lawyer, but in practice lawyers arrived "
        "after the first interrogation. Adding the lawyer call to the custody record, with "
        "a time and a signature, and a duty lawyer rota made early access routine in two "
        "stations; night-time arrests are still the gap.",
        Setting.DETENTION,
        "LB",
        "Two police stations in a large city",
        "2022-2023",
        ("arrest-and-detention", "torture-and-ill-treatment"),
        ((BOP, "Principle 17"), (BOP, "Principle 18"), (BOP, "Principle 16")),
        ("legal-aid-handbook", "legal-aid-principles"),
        """Our legal aid group defends people arrested for ordinary offences. The law says \
that a suspect may have a lawyer, but not from when. In our files, almost every client \
met a lawyer only after the first interrogation, and most of the complaints of \
ill-treatment we recorded concerned exactly those first hours.

We worked with the command of two police stations for a year to change the practice \
rather than the law.""",
        """- **The custody record as the lever.** Each station's custody record got a new \
line: the time the detainee was told of the right to a lawyer, the time a lawyer was \
called, who was called, and the detainee's signature or refusal. What must be written \
down gets done.
- **A duty lawyer rota.** Our group and the bar association shared a rota with one phone \
number per station, so officers could not say that no lawyer was available.
- **Private consultation.** A small room near the custody desk was set aside for \
lawyers and clients, out of hearing of officers (Principle 18).
- **Family informed.** The same form records when and how the family was told of the \
arrest and the place of detention (Principle 16).""",
        """- Arrests at night and at weekends still mostly waited until morning for a lawyer: \
the rota had too few volunteers for those hours.
- Some officers told detainees that asking for a lawyer "makes things longer". Two \
detainees told us they refused a lawyer because of it.
- The forms were checked by the station itself; nobody outside looked at them regularly.""",
        """1. Don't wait for the law to change: put the right to a lawyer in the custody \
record, with times and signatures, and ask supervisors to check it every shift.
2. Fund night and weekend duty lawyers first; that is where the risk is highest.
3. Record refusals of a lawyer with the reason in the detainee's own words, so that \
pressure to refuse becomes visible.
4. Let an outside body (a bar association, a national preventive mechanism) inspect the \
custody records regularly.""",
        co_authors=("priya-s",),
        from_thread="Access to a lawyer from the first hour of custody: which standards say so?",
        steps=(
            _submit(1),
            DemoStep(
                "comment",
                2,
                "joao",
                "Strong lesson. Do you have figures for how often a lawyer was present at "
                "the first interview before and after the change? Even rough ones help "
                "other members argue for the same thing.",
            ),
            DemoStep(
                "comment",
                2.5,
                "",
                "We have them for one of the two stations (from our own files, not police "
                "data): roughly one interview in ten before, a bit over half after. We "
                "would rather not publish them as exact numbers, but we are happy to share "
                "them with members who ask.",
            ),
            _publish(4, "joao"),
        ),
    ),
    DemoLesson(
        "nomvula",
        28,
        "Deaths in police cells: what made an independent investigation credible",
        "After a man died in a police cell, the family and a community organisation pressed "
        "for the oversight body rather than the police to investigate. Early independent "
        "scene work, the family's own pathologist and regular updates made the findings "
        "credible; the oversight body's reliance on police for forensics did not.",
        Setting.OVERSIGHT,
        "ZA",
        "",
        "2021-2023",
        ("deaths-in-custody", "police-oversight", "accountability"),
        ((BOP, "Principle 34"), (COC, "Art. 6"), (BP, "Principle 22")),
        ("minnesota", "police-accountability"),
        """A man in his forties was arrested for public drunkenness and found dead in a \
police cell the next morning. Police said he had hanged himself. His family did not \
believe it: he had been beaten at arrest, according to neighbours who saw it.

The statutory police oversight body has the power to investigate deaths in custody, but \
in practice the local police often secured the scene and collected the first evidence \
before the oversight investigators arrived. We worked with the family for two years.""",
        """- **Getting the oversight investigators to the scene the same day.** A call from \
the family's lawyer to the oversight body's provincial head, citing its own duty to \
investigate deaths in custody, brought investigators to the station within hours, before \
the cell was cleaned.
- **The family's own pathologist.** The family asked for, and got, a pathologist of \
their choice at the post-mortem, as the Minnesota Protocol recommends. Her report on the \
injuries to the head and ribs was what kept the case open.
- **Regular updates.** The investigator agreed to meet the family every month. Even when \
there was little news, this kept trust and stopped rumours.""",
        """- The oversight body had no forensic capacity of its own and sent samples to the \
police laboratory. Results took nine months and the family did not trust them.
- The cell's camera had "not been working" for weeks; nobody was held responsible for \
that.
- The officers on duty were not suspended during the investigation and stayed at the same \
station as the witnesses.""",
        """1. Oversight bodies need their own forensic budget or an agreement with a \
laboratory that is independent of the police.
2. Make it a rule that the oversight body, not the local police, secures the scene of a \
death in custody.
3. Treat broken cell cameras as a reportable failure, with a named person responsible for \
repair.
4. Move officers involved in a death in custody away from the witnesses' station until the \
investigation is over.""",
        public_requested=True,
        from_thread="Who should investigate a death in a police cell: internal affairs or an "
        "independent body?",
        steps=(
            _submit(2),
            DemoStep(
                "comment",
                3.5,
                "mod-sam",
                "Thank you for keeping the man and the station unidentifiable. One small "
                "thing: the neighbours' account is the reason the family doubted the "
                "official version, so it belongs in what happened, as you have it. Fine to "
                "publish from my side.",
            ),
            _publish(5, "joao", public=True),
        ),
    ),
    DemoLesson(
        "daniel",
        70,
        "Recording every stop and giving a receipt: what a two-year pilot showed",
        "A force recorded every stop and search, gave each person a receipt and published "
        "the figures by neighbourhood. Searches fell while the share that found something "
        "rose; the records did not capture the stops officers chose not to write down.",
        Setting.STOP_AND_SEARCH,
        "GB",
        "A metropolitan force",
        "2021-2023",
        ("stop-and-search", "discrimination-and-profiling", "accountability"),
        ((ICCPR, "Art. 17"), (ICCPR, "Art. 9"), (COC, "Art. 2")),
        ("fra-profiling", "osji-profiling"),
        """I was a sergeant in a neighbourhood team when our force started a two-year pilot: \
every stop and search recorded on a handheld device, a receipt (printed or sent by text \
message) given to the person stopped, and monthly figures published by neighbourhood, with \
the ethnicity the person gave.

Young Black men in two of our neighbourhoods were searched many times more often than \
their share of the population, and the share of searches that found anything was low. \
Community groups had said so for years; until the pilot we had no figures of our own.""",
        """- **The receipt changed the conversation.** People could show a receipt to a \
community group or a lawyer; officers knew each stop could be looked at. Complaints about \
rudeness fell.
- **Grounds had to be written.** Writing the grounds for a search in a sentence made weak \
grounds ("smell of cannabis", "nervous") visible to supervisors, who started to challenge \
them in briefings.
- **Fewer searches, better searches.** Over the pilot the number of searches fell by \
about a third while the share that found something rose, which convinced sceptical \
colleagues more than any human rights argument.
- **A community panel.** Residents reviewed a random sample of body-worn video of searches \
every quarter and fed back to the team.""",
        """- Stops without a search ("just a chat") were not recorded, and some officers \
moved to those.
- The disproportionality by ethnicity fell but did not go away.
- Publishing figures by neighbourhood without context led one local paper to call a \
neighbourhood "crime-ridden", which residents resented.""",
        """1. Record every stop, not only searches, with the grounds in a sentence and the \
outcome; give a receipt every time.
2. Publish the figures regularly, with the outcome rate next to the disproportionality \
rate, and explain them with the community before the press does.
3. Let supervisors and a community panel review a sample of searches, with video.
4. Treat "smell of cannabis" and "nervousness" alone as insufficient grounds in training.""",
        co_authors=("jonas",),
        public_requested=True,
        steps=(
            _submit(4),
            DemoStep(
                "request_changes",
                6,
                "joao",
                "This is valuable. Two requests before publishing: say in what happened what "
                "the pilot recorded and what it did not (stops without a search), and give "
                "the size of the changes, even roughly, so readers can judge the results.",
            ),
            _submit(12),
            _publish(14, "mod-sam", public=True),
        ),
    ),
    DemoLesson(
        "rafael",
        38,
        "Counting identity checks when the police publish no data: a community survey",
        "With no police data on identity checks, a research group ran a street survey in "
        "six neighbourhoods and a diary study with young people. The figures showed who was "
        "stopped and how; they opened a dialogue with the municipal police but not with the "
        "state police.",
        Setting.STOP_AND_SEARCH,
        "MX",
        "A large metropolitan area",
        "2023",
        ("discrimination-and-profiling", "stop-and-search"),
        ((COC, "Art. 2"), (ICCPR, "Art. 9")),
        ("osji-profiling", "fra-profiling"),
        """Police in our city do not record the reasons for identity checks or who is \
stopped. We believed young men with dark skin from the outer neighbourhoods were stopped \
far more often, and treated worse, but officials answered that without data it was only \
an impression.

Our research group designed a survey to produce the data ourselves.""",
        """- **A short street survey.** Trained volunteers asked 1,800 people in six \
neighbourhoods eight questions: were you stopped in the last six months, how many times, \
where, what reason was given, were you searched, how were you treated. It took three \
minutes per person.
- **Diaries.** Sixty young people kept a diary of every stop for three months, with the \
time, the place and what was said. The diaries gave the detail the survey could not.
- **Comparing with the population.** We compared who was stopped with the neighbourhood's \
population by age, sex and skin colour (self-described, using the census categories).
- **Taking the results to the municipal police first.** They agreed to a pilot of stop \
forms in one district.""",
        """- The state police refused to meet us and called the survey "biased".
- Self-reported data is open to that charge: we should have had an academic partner \
review the method before the results came out, not after.
- Some diary-keepers stopped after a few weeks; those who stayed were the ones stopped most \
often, which skews the diaries.""",
        """1. When police publish nothing, a careful survey is better than no data, but have \
the method reviewed independently before publishing.
2. Use census categories for ethnicity or skin colour, so the comparison with the \
population holds.
3. Start with the police body most willing to talk, and use its pilot to press the others.
4. Protect the volunteers: do not publish figures small enough to identify a street or a \
person.""",
        public_requested=True,
        steps=(
            _submit(3),
            _publish(
                6,
                "mod-sam",
                comment="Published for members only for now: some of the neighbourhood-level "
                "figures in your attachments are small enough to point at particular "
                "streets. Happy to make it public once those are aggregated.",
            ),
        ),
    ),
    DemoLesson(
        "anouk",
        65,
        "Body-worn cameras: activation rules written together with the oversight body",
        "A police zone introduced body-worn cameras with rules on when they must be on, "
        "drafted with the local oversight committee and a privacy officer. Clear triggers "
        "and audits of missing footage mattered more than the cameras themselves.",
        Setting.OVERSIGHT,
        "BE",
        "A local police zone",
        "2022-2024",
        ("police-oversight", "accountability", "surveillance"),
        ((BP, "Principle 22"), (COC, "Art. 8"), (ICCPR, "Art. 17")),
        ("perf-body-cameras", "resource-book"),
        """Our police zone introduced body-worn cameras for all patrol officers. The first \
draft of the rules said officers "may" switch the camera on "when they consider it \
useful". The local oversight committee, a privacy officer and two trainers (I was one) \
were asked to comment, and ended up rewriting the activation rules.""",
        """- **Clear triggers.** The camera must be on before any use of force, any arrest, \
any search of a person and any identity check that turns confrontational, and stays on \
until the encounter ends. Officers say clear triggers are easier than judgement calls.
- **Say it out loud.** Officers tell people the camera is recording. Several officers \
reported that this alone calmed encounters.
- **Privacy rules written in.** Cameras are off inside homes unless force is used or an \
arrest is made, and footage not flagged for a case is deleted after 30 days.
- **Access for complainants.** A person who complains can ask to see the footage of their \
encounter.""",
        """- In the first months, footage was missing for about one use of force in five. \
Officers gave reasons ("battery", "forgot") that nobody checked.
- Supervisors had no time to review footage, so the cameras were used mainly as evidence \
against the public, not to learn from.""",
        """1. Write activation triggers as a list of situations, not as discretion.
2. Audit missing footage: every use of force without footage needs a written reason that \
a supervisor checks.
3. Give complainants and oversight bodies access to footage as a right, with clear \
deadlines.
4. Decide deletion times and access rules before the first camera goes on the street.""",
        steps=(
            _submit(2),
            _publish(5, "joao"),
            DemoStep("edit", 35),
        ),
        revised=(
            (
                "what_did_not",
                """- In the first months, footage was missing for about one use of force in \
five. Officers gave reasons ("battery", "forgot") that nobody checked.
- Supervisors had no time to review footage, so the cameras were used mainly as evidence \
against the public, not to learn from.

*Update after the six-month audit:* once the oversight committee started asking for a \
written reason for every use of force without footage, missing footage fell to about one \
case in twenty. Supervisors now review a small random sample each month.""",
            ),
        ),
    ),
    DemoLesson(
        "joao",
        80,
        "De-escalation training that changed practice: scenarios, supervisors and follow-up",
        "Classroom courses on the Basic Principles changed little on the street. What "
        "changed practice was scenario training in realistic settings, supervisors trained "
        "alongside their teams, and reviewing real incidents afterwards.",
        Setting.TRAINING,
        "BR",
        "State police academy and three battalions",
        "2016-2022",
        ("training", "use-of-force"),
        ((BP, "Principle 19"), (BP, "Principle 20"), (BP, "Principle 4")),
        ("resource-book", "amnesty-force-guidelines"),
        """For years our academy taught the UN Basic Principles in a classroom: a week of \
lectures, a written test, a certificate. Officers could recite necessity and \
proportionality, and then went back to battalions where the informal rule was to "take \
control fast". Complaints and injuries did not change.

Over six years we redesigned the training with three battalions. This is what we \
learned.""",
        """- **Scenarios in real places.** Training moved to the kinds of places officers \
work in (a bar, a narrow street, a family home) with actors who react to the officer's \
tone and distance. Officers practise slowing down, creating distance and talking, and \
learn that time is a tactic.
- **Supervisors in the room.** Sergeants and lieutenants trained with their own teams. \
When the supervisor models de-escalation, the team follows; when the supervisor mocks it, \
nothing the instructor says matters.
- **Back to real incidents.** Each month the battalions reviewed two real incidents, one \
that went well and one that did not, without blame. This made the training part of the \
work and not an event.
- **Measuring.** Injuries to officers and to the public in use-of-force incidents fell in \
the three battalions over the period, while they did not in comparable ones.""",
        """- Refresher training was cut twice for budget reasons, and the effects faded \
within about a year each time.
- Officers who had been involved in serious incidents were sometimes sent to the \
training as a punishment, which made others see it as punishment too.
- Our first evaluation relied on officers' own questionnaires, which told us what they \
liked, not what they did.""",
        """1. Train decisions, not definitions: scenarios in realistic settings, with actors \
and debriefs.
2. Train supervisors first and with their teams.
3. Review real incidents regularly, without blame, and feed them back into scenarios.
4. Protect refresher training in the budget, and measure outcomes (injuries, complaints), \
not satisfaction.""",
        co_authors=("kwame",),
        public_requested=True,
        steps=(_submit(1), _publish(3, "mod-sam", public=True)),
    ),
    DemoLesson(
        "hassan",
        21,
        "Medical examination on admission to custody: a form doctors and lawyers can both use",
        "A group of doctors and lawyers agreed a short medical examination form for people "
        "brought into custody, based on the Istanbul Protocol. Recording injuries in a "
        "standard way made later complaints stronger; examinations in the presence of "
        "officers remained the main problem.",
        Setting.DETENTION,
        "",
        "North Africa",
        "2022-2023",
        ("torture-and-ill-treatment", "arrest-and-detention"),
        ((BOP, "Principle 24"), (COC, "Art. 6"), (ICCPR, "Art. 7")),
        ("istanbul",),
        """Lawyers in our network kept seeing the same problem: a client says he was beaten \
at arrest, but the medical report from the first examination in custody says only "no \
visible injuries" or "bruises". Without a description of the injuries, their size, \
colour and place, and what the person said caused them, the complaint goes nowhere.

Doctors who examine detainees told us they had no form, five minutes, and often an \
officer in the room.""",
        """- **A two-page form.** Doctors and lawyers together wrote a short form based on the \
Istanbul Protocol: the person's account in their own words, a body chart, each injury \
described (type, size, colour, place), the doctor's opinion on how consistent the \
injuries are with the account, and who was present.
- **Body charts and photographs.** Marking injuries on a chart took a minute and made \
reports far more useful in court; photographs were added where the detainee agreed.
- **Copies.** The form says the detainee or their lawyer may have a copy. Two \
prosecutors accepted the forms as the starting point of an investigation.""",
        """- Officers stayed in the room for most examinations "for security". People do not \
describe ill-treatment in front of the officers who arrested them.
- Some doctors were reluctant to give an opinion on consistency, fearing trouble with \
the police.
- The form was used in only some stations, where doctors were already willing.""",
        """1. Use a standard form based on the Istanbul Protocol for every examination on \
admission (Principle 24), with a body chart.
2. Examine out of hearing, and preferably out of sight, of officers; record who was \
present.
3. Give the detainee or their lawyer a copy.
4. Train and protect doctors who document injuries; their independence is the point.""",
        co_authors=("lina-h",),
        from_thread="What should a medical report contain after alleged ill-treatment in custody?",
        steps=(_submit(2), _publish(4, "mod-sam")),
    ),
    DemoLesson(
        "elena-v",
        9,
        "Water cannon at close range: injury data collected by volunteer medics",
        "Volunteer medics at demonstrations recorded injuries from water cannon for four "
        "years. Most serious injuries came from direct jets at close range and from people "
        "thrown against hard objects. Draft: recommendations still to be written.",
        Setting.DEMONSTRATION,
        "ES",
        "",
        "2019-2023",
        ("less-lethal-weapons", "public-assembly"),
        ((LLW, "Section 7"), (BP, "Principle 3")),
        ("llw", "lethal-in-disguise"),
        """Groups of volunteer medics attend large demonstrations in several cities. Since \
2019 they have used a shared injury form, and we have now collected several hundred \
records, about a fifth of them from water cannon.

Water cannon are often described as "gentle" compared with projectiles. The records do \
not support that.""",
        """- **A shared form.** The same one-page form in every city (time, place, mechanism, \
body part, treatment, referral) made the records comparable.
- **Mechanism, not only injury.** Asking *how* the injury happened showed that most \
serious injuries came from direct jets at close range and from people being thrown \
against kerbs, walls or vehicles.""",
        """- Medics often could not follow up people sent to hospital, so we know little about \
lasting harm, especially to eyes.
- Additives in the water (dyes, irritants) were reported but could not be confirmed.""",
        public_requested=True,
    ),
    DemoLesson(
        "thabo",
        88,
        "Lockdown checkpoints: warnings and fines instead of arrests",
        "During the 2020 lockdown, a district moved from arresting people at checkpoints to "
        "warnings and fines, with a written briefing for every shift. Arrests and cell "
        "crowding fell; the instructions lapsed when the emergency rules changed.",
        Setting.PATROL,
        "BW",
        "One police district",
        "2020",
        ("covid-19", "police-reform"),
        ((COC, "Art. 2"), (ICCPR, "Art. 9")),
        ("ohchr-emergency", "amnesty-covid"),
        """When the national lockdown began, officers at our district's checkpoints arrested \
people found without a permit to travel. Within two weeks the cells held far more people \
than they were built for, in the middle of an epidemic, mostly for minor breaches.""",
        """- **A written briefing for every shift.** The district commander issued a \
one-page briefing: explain the rule, warn, and fine for repeated breaches; arrest only for \
violence or refusal to give a name.
- **Arrests fell sharply** and the cells were no longer crowded.
- **Exemptions listed.** Health workers, people seeking care and people buying food were \
listed as exempt, which ended many arguments at checkpoints.""",
        """- The briefing was not updated when the regulations changed, and officers were \
unsure which version applied.
- Fines were a heavy burden for people in informal work.""",
        """1. Give every emergency rule a written enforcement briefing, with arrest as the \
last resort.
2. Update briefings the same day the rules change, and date them.
3. Remember that a crowded cell in an epidemic is itself a risk to life and health.""",
        steps=(
            _submit(3),
            _publish(5, "joao"),
            DemoStep(
                "archive",
                70,
                comment="Archived: the emergency regulations this lesson describes have been "
                "lifted, and the general point (written briefings, arrest as a last resort) "
                "is covered better by newer lessons on curfews.",
            ),
        ),
    ),
    DemoLesson(
        "inspector-dara",
        12,
        "Restraints on children in custody: a protocol for under-18s",
        "After a 14-year-old was handcuffed to a bench in a station for two hours, a force "
        "wrote a restraint protocol for children. Draft protocol and first months of use; "
        "in review.",
        Setting.DETENTION,
        "IE",
        "",
        "2023-2024",
        ("children-and-youth", "arrest-and-detention", "use-of-force"),
        ((BP, "Principle 15"), (BOP, "Principle 1"), (ECPE, "Art. 37")),
        ("crc-gc24", "resource-book"),
        """A 14-year-old arrested for shoplifting was handcuffed to a bench in a station's \
custody area for two hours while officers looked for a parent and a social worker. Nothing \
in our procedures said that was wrong: the rules on restraints were written for adults.

A working group of custody officers, a youth worker and a children's rights lawyer wrote \
a protocol on restraints for under-18s.""",
        """- **No restraint as a matter of routine.** Handcuffs on a child only when there is \
an immediate risk of injury or escape that nothing else can prevent, and for as short a \
time as possible; never to fixed objects.
- **A supervisor's decision.** Any restraint of a child in custody must be approved and \
recorded by the custody sergeant, with the reason and the times.
- **A quiet room.** One station turned an interview room into a waiting room for children, \
which removed most of the reasons officers gave for restraint.""",
        """- Transport is not covered yet: children are still handcuffed in vans by default.""",
        """1. Write separate rules for restraining children; adult rules do not fit.
2. Record every restraint of a child, with reason and times, and review the records every \
quarter.
3. Provide a safe waiting space, so restraint is never a substitute for supervision.""",
        co_authors=("daniel",),
        steps=(
            _submit(6),
            DemoStep(
                "comment",
                8,
                "joao",
                "Good start. Before publishing, could you add what the records showed in the "
                "first months (how often restraints were still used, and why)? And the "
                "transport gap deserves its own recommendation.",
            ),
        ),
    ),
    DemoLesson(
        "samir",
        25,
        "From confessions to investigative interviewing: a pilot in two police stations",
        "Two stations trained investigators in rapport-based interviewing following the "
        "Méndez Principles and recorded interviews on video. Information from interviews "
        "improved and complaints fell; prosecutors still asked for confessions.",
        Setting.INVESTIGATION,
        "MA",
        "",
        "2022-2023",
        ("training", "torture-and-ill-treatment", "police-reform"),
        ((BOP, "Principle 21"), (ICCPR, "Art. 7"), (COC, "Art. 5")),
        ("mendez-principles",),
        """In our system a confession has long been the centre of most criminal files, and \
investigators were judged on getting one. Lawyers and doctors reported pressure, threats \
and worse during interrogations.

Two stations agreed to pilot investigative interviewing: open questions, rapport, \
testing the account against the evidence, with the aim of gathering accurate information \
rather than a confession.""",
        """- **Training with practice.** Investigators practised with actors and reviewed \
recordings of their own interviews with a coach.
- **Video recording of every interview**, which protected both the suspect and the \
investigator.
- **Better information.** Investigators said suspects and witnesses gave more detail, \
and fewer cases collapsed in court.""",
        """- Prosecutors kept asking for confessions, which pulled investigators back to old \
habits.""",
        """1. Train prosecutors and judges together with investigators.
2. Record every interview on video from beginning to end.""",
        steps=(
            _submit(5),
            DemoStep(
                "request_changes",
                8,
                "mod-sam",
                "Thank you, this is an important lesson. Before it goes out, please say "
                "more about what did not work: how did investigators react at first, and "
                "what happened to cases without a confession? Roughly how many interviews "
                "were recorded would also help readers judge the pilot.",
            ),
        ),
    ),
    DemoLesson(
        "amina",
        4,
        "Complaints against officers nobody can identify: pushing for visible ID numbers",
        "Complaints after protests failed because officers wore no visible identification. "
        "Monitors' photos, a complaint that named the unit instead of the officer, and "
        "advocacy with the oversight body led to a commitment to visible numbers on "
        "helmets; it is not yet in force.",
        Setting.OVERSIGHT,
        "KE",
        "",
        "2023-2024",
        ("accountability", "police-oversight", "public-assembly"),
        ((BP, "Principle 22"), (BP, "Principle 23"), (COC, "Art. 8")),
        ("gc37", "odihr-assemblies"),
        """Of the complaints our group helped file after demonstrations last year, almost \
none reached an investigation. The reason given was always the same: the complainant \
could not identify the officer. Officers in riot gear wore no names or numbers, and some \
covered their faces.""",
        """- **Complain about the unit and the command.** A lawyer advised us to file \
complaints against the unit and its commander, with the time and place, instead of \
against an unknown officer. The oversight body accepted those and asked the police for \
deployment records.
- **Photos with timestamps.** Monitors' time-stamped photos of helmets and vehicles \
helped match units to places.
- **Citing General Comment No. 37**, which says officers policing assemblies should \
wear visible identification, in a meeting with the oversight body. It has asked the \
police to put visible numbers on helmets.""",
        """- The police say visible numbers put officers at risk; the commitment is not yet \
in force.""",
        """1. Complain against the unit and the commander when the officer cannot be \
identified, and ask for deployment records.
2. Ask for visible, individual numbers on the uniform and helmet of every officer \
policing an assembly.""",
        public_requested=True,
        from_thread="How can a protester complain when they cannot identify the officer?",
        steps=(_submit(2.5),),
    ),
]


def _no_thread(title: str) -> Model | None:
    return None


def ensure_demo_lessons(*, thread_for: Callable[[str], Model | None] = _no_thread) -> int:
    """Create the demo lessons that do not exist yet; return how many were created.

    A lesson exists when its demo author is an author of a lesson with that
    title, now or before a later edit. Nothing is changed in lessons that
    exist, so what demo visitors did to them survives another run.
    ``thread_for(title)`` is the demo forum thread a lesson grew out of
    (``DemoLesson.from_thread``): lessons know no forum, so network.demo
    passes the forum's finder; without it no lesson comes from a thread.
    """
    members = demo_members()
    wanted = [
        demo
        for demo in DEMO_LESSONS
        if demo.author in members and not _seeded_before(demo, members[demo.author])
    ]
    if not wanted:
        return 0
    with transaction.atomic():
        seeding = _Seeding(members, timezone.now(), thread_for=thread_for)
        seeding.run(wanted)
        seeding.quiet_inboxes()
    return seeding.created


def _seeded_before(demo: DemoLesson, author: User) -> bool:
    return (
        Lesson.objects.filter(authorships__member=author, title=demo.title).exists()
        or LessonRevision.objects.filter(
            lesson__authorships__member=author, snapshot__title=demo.title
        ).exists()
    )


Action = Callable[[datetime], None]


class _Seeding:
    """Replays the demo lessons' writing and review in date order through lessons.services.

    The services date everything timezone.now(); the dates each step should
    have are collected on the way and written at the end.
    """

    def __init__(
        self,
        members: dict[str, User],
        now: datetime,
        *,
        thread_for: Callable[[str], Model | None],
    ) -> None:
        self.members, self.now, self.thread_for = members, now, thread_for
        self.recipients = [member.pk for member in members.values()]
        self.tags = {tag.slug: tag for tag in Tag.objects.all()}
        self.provisions = {
            (p.instrument.slug, p.number): p for p in Provision.objects.select_related("instrument")
        }
        self.first_notification = self._last_id(Notification)
        self.first_email = self._last_id(OutboxEmail)
        self.lessons: dict[int, Lesson] = {}
        self.dates: dict[int, dict[str, datetime]] = {}
        self.steps: list[Transition] = []
        self.created = 0

    def _last_id(self, model: type[Notification] | type[OutboxEmail]) -> int:
        return model.objects.aggregate(last=Max("pk"))["last"] or 0

    def run(self, wanted: list[DemoLesson]) -> None:
        order = itertools.count()
        events: list[tuple[datetime, int, Action]] = []
        for demo in wanted:
            index = DEMO_LESSONS.index(demo)
            started = self.now - timedelta(days=demo.days_ago)
            events.append((started, next(order), self._create(index, demo)))
            for step in demo.steps:
                when = started + timedelta(days=step.days)
                events.append((when, next(order), self._step(index, demo, step)))
        latest = self.now - timedelta(minutes=1)
        for when, _order, action in sorted(events, key=lambda event: event[:2]):
            action(min(when, latest))
        self._write_dates()

    def _data(self, demo: DemoLesson) -> LessonData:
        return LessonData(
            title=demo.title,
            summary=demo.summary,
            setting=demo.setting,
            what_happened=demo.what_happened,
            country=demo.country,
            region=demo.region,
            period=demo.period,
            what_worked=demo.what_worked,
            what_did_not=demo.what_did_not,
            recommendations=demo.recommendations,
            language=demo.language,
            public_requested=demo.public_requested,
            tags=[self.tags[slug] for slug in demo.tags if slug in self.tags],
            provisions=[self.provisions[key] for key in demo.provisions if key in self.provisions],
            co_authors=[
                self.members[handle] for handle in demo.co_authors if handle in self.members
            ],
            sources=[SOURCES[key] for key in demo.sources],
        )

    def _create(self, index: int, demo: DemoLesson) -> Action:
        def create(when: datetime) -> None:
            lesson = services.create_lesson(
                author=self.members[demo.author],
                data=self._data(demo),
                from_thread=self.thread_for(demo.from_thread) if demo.from_thread else None,
            )
            # The demo's co-authors said yes to their invitations.
            for handle in demo.co_authors:
                if handle in self.members:
                    services.answer_invitation(
                        member=self.members[handle], lesson=lesson, accept=True
                    )
            self.lessons[index] = lesson
            self.dates[index] = {"created_at": when, "updated_at": when}
            self.created += 1
            self._date_notifications(when)

        return create

    def _step(self, index: int, demo: DemoLesson, step: DemoStep) -> Action:
        def take(when: datetime) -> None:
            actor = self.members.get(step.actor or demo.author)
            if actor is None:
                return
            lesson = self.lessons[index]
            if step.action == "edit":
                services.edit_lesson(
                    editor=actor,
                    lesson=lesson,
                    data=self._data(replace(demo, **dict(demo.revised))),
                )
                LessonRevision.objects.filter(lesson=lesson, created_at__gte=self.now).update(
                    created_at=when
                )
            else:
                row = services.transition(
                    actor=actor,
                    lesson=lesson,
                    action=step.action,
                    comment=step.comment,
                    make_public=step.make_public,
                )
                row.created_at = when
                self.steps.append(row)
                if step.action == "publish":
                    self.dates[index]["published_at"] = when
            self.dates[index]["updated_at"] = when
            self._date_notifications(when)

        return take

    def _date_notifications(self, when: datetime) -> None:
        """What a step notified is dated with it (rows not dated yet are the new ones)."""
        Notification.objects.filter(
            pk__gt=self.first_notification,
            recipient_id__in=self.recipients,
            created_at__gte=self.now,
        ).update(created_at=when)

    def _write_dates(self) -> None:
        Transition.objects.bulk_update(self.steps, ["created_at"])
        lessons = []
        for index, dates in self.dates.items():
            lesson = self.lessons[index]
            lesson.created_at, lesson.updated_at = dates["created_at"], dates["updated_at"]
            lesson.published_at = dates.get("published_at")
            lessons.append(lesson)
        Lesson.objects.bulk_update(lessons, ["created_at", "updated_at", "published_at"])

    def quiet_inboxes(self) -> None:
        quiet_seeded_inboxes(
            first_notification=self.first_notification,
            first_email=self.first_email,
            recipients=self.recipients,
            now=self.now,
        )
