"""Demo forum content: about thirty threads in the seed topics (demo only).

The scenarios are composites: no real victim, officer, place or case is
named. Every thread, reply, accepted answer, helpful mark and pin is made
through forum.services, so counters, the search index, follows and
notifications are exactly what members' own actions would have produced;
only the dates are moved afterwards, to spread the conversation over the
last two months.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from forum import services
from forum.models import HelpfulMark, Post, Thread, ThreadKind
from members.demo import DEMO_ACCOUNTS, demo_members
from members.models import Tag, User
from notifications.demo import quiet_seeded_inboxes
from notifications.models import Notification, OutboxEmail
from notifications.services import follow

# Generated demo members have "<handle>@members.demo.example" (members.demo).
# Opening posts carry a client token derived from the title, so a thread
# whose title a demo visitor edited is still recognised on the next run.
TOKEN_NAMESPACE = uuid.UUID("6f1c9a52-2f0e-4d8e-9a39-0c3f5b7d2e11")
# Notifications of the demo accounts from the last days stay unread, so that
# the badge shows something the first time someone logs in as them.
ACCEPT_DELAY = timedelta(hours=18)
HELPFUL_DELAY = timedelta(hours=4)


@dataclass(frozen=True)
class DemoReply:
    author: str  # handle
    hours: float  # after the thread was opened
    body: str
    helpful: tuple[str, ...] = ()  # handles of the members who mark it helpful
    accepted: bool = False  # accepted by the thread's author


@dataclass(frozen=True)
class DemoThread:
    author: str
    days_ago: float
    title: str
    tags: tuple[str, ...]
    body: str
    kind: str = ThreadKind.QUESTION
    language: str = "en"
    helpful: tuple[str, ...] = ()  # marks on the opening post
    replies: tuple[DemoReply, ...] = ()
    pinned: bool = False


DEMO_THREADS: list[DemoThread] = [
    DemoThread(
        "mod-sam",
        59.2,
        "Welcome: how this network works and how to post safely",
        ("accountability",),
        """Welcome to the network. This is a members-only space where activists, lawyers, \
researchers, trainers and police practitioners ask and answer questions about policing \
and human rights.

**Before you post:**

- Ask one specific question, say which country's law applies if it matters, and add \
1 to 3 topics so that the right people see it.
- **Never post names, photos, exact places or dates that could identify victims, \
witnesses or yourself.** Describe a composite situation instead: the advice will be \
just as useful.
- If you see something that puts someone at risk, flag it and a moderator will look \
at it quickly.

When an answer solves your question, accept it, and mark any post that helped you as \
helpful. Questions about these guidelines are welcome below.""",
        kind=ThreadKind.DISCUSSION,
        helpful=("amina", "joao", "kwame", "grace-o"),
        pinned=True,
        replies=(
            DemoReply(
                "amina",
                20,
                "Thank you, this is useful. If I describe a protest in my city without "
                "naming the city, is it still fine to say which country it happened in?",
                helpful=("fatou", "grace-o"),
            ),
            DemoReply(
                "mod-sam",
                26,
                "@amina Yes: the country usually matters for the legal answer. Leave out "
                "anything narrower (the neighbourhood, the date, the name of a clinic or a "
                "police station) unless it is already public and naming it cannot harm anyone.",
                helpful=("amina", "joao", "nomvula", "hassan"),
            ),
            DemoReply(
                "joao",
                31,
                "Glad to be here. A tip from the trainer's side: when you ask about a use of "
                "force, describe what the officers could see at the moment they acted, not "
                "only the result. That is how necessity and proportionality are actually "
                "assessed.",
                helpful=("kwame", "claire", "inspector-dara"),
            ),
        ),
    ),
    DemoThread(
        "amina",
        56.4,
        "Is it lawful to contain (kettle) a peaceful crowd for hours?",
        ("public-assembly", "use-of-force"),
        """At a demonstration in my city last month, police closed every exit of a square \
and held about 200 people there for more than four hours. There was no water and there \
were no toilets, and people who asked to leave, including an older man with a heart \
condition, were refused. Police later said a small group had thrown bottles at the \
start, but most people in the square had done nothing.

What do the international standards say about containment of this kind, and what \
should our monitors write down next time?""",
        helpful=("grace-o",),
        replies=(
            DemoReply(
                "joao",
                9,
                """Containment is not forbidden as such, but it restricts both liberty and \
the right of peaceful assembly (ICCPR Arts. 9 and 21), so it must be **necessary and \
proportionate** and as short as possible. The Human Rights Committee's General Comment \
No. 37 says this about kettling, and stresses that isolated violence by a few does not \
make the whole assembly non-peaceful. Under the UN Basic Principles on the Use of Force \
and Firearms (Principles 12 and 13), even an unlawful but non-violent assembly is to be \
dispersed without force where possible; holding peaceful people for hours is the \
opposite of letting them leave.

In practice, a lawful containment targets the people involved in violence, keeps an \
exit open for everyone else, and provides water, toilets and medical help if it lasts. \
People with health needs must be let out at once (Principle 5(c): medical assistance \
at the earliest possible moment).""",
                helpful=("grace-o", "elena-v", "fatou", "mateo", "mod-sam"),
                accepted=True,
            ),
            DemoReply(
                "elena-v",
                16,
                """From the research side: what makes monitoring reports on containment \
credible is a **timeline**. Note when the exits were closed, each time someone asked to \
leave and the answer, when water or medics arrived, and when and how people were \
released. Time-stamped photos of the exits are worth more than photos of the crowd.""",
                helpful=("amina", "joao", "tomasz"),
            ),
            DemoReply(
                "amina",
                30,
                "Thank you @joao and @elena-v. We will add a containment section to our "
                "monitoring form with exactly these points.",
            ),
        ),
    ),
    DemoThread(
        "officer-kim",
        53.1,
        "Kinetic impact projectiles: where should officers aim, and from how far?",
        ("less-lethal-weapons", "public-assembly"),
        """Our unit is revising its standard operating procedure for launchers that fire \
rubber-coated and foam projectiles. The manufacturer's manual gives minimum distances \
but says little about when firing is justified. What does the international guidance \
say about targeting and distance, and is there good practice for training?""",
        replies=(
            DemoReply(
                "joao",
                6,
                """The UN Human Rights Guidance on Less-Lethal Weapons in Law Enforcement \
(2020) is the place to start. In short:

1. **Direct fire only**, aimed at the lower abdomen or legs: never at the head or face, \
and never skipped off the ground, which makes the point of impact unpredictable.
2. Only against an **individual engaged in violence** who poses an imminent threat of \
injury, never to disperse a crowd in general.
3. Projectiles that release several pellets at once, and metal pellets, should not be \
used at all.

Write the manufacturer's minimum distance into the procedure as a hard limit, and train \
the decision (when not to fire) as much as the aim. Every discharge should be reported \
and reviewed, as Principles 6 and 22 of the Basic Principles require.""",
                helpful=("mateo", "claire", "elena-v", "samir", "inspector-dara"),
                accepted=True,
            ),
            DemoReply(
                "mateo",
                20,
                "To add evidence: medical studies from several countries show that eye "
                "injuries from these projectiles are frequent when they are fired into "
                "crowds at short range, and many cause permanent loss of sight. If a "
                "procedure allows firing into a group, it will produce those injuries "
                "sooner or later.",
                helpful=("officer-kim", "elena-v"),
            ),
            DemoReply(
                "officer-kim",
                28,
                "Thank you both. We are removing crowd dispersal from the list of purposes "
                "and adding mandatory reporting after every discharge.",
                helpful=("joao",),
            ),
        ),
    ),
    DemoThread(
        "mariela",
        51.0,
        "¿Qué puede exigir una familia tras una muerte bajo custodia policial?",
        ("deaths-in-custody", "accountability"),
        """Acompaño a una familia cuyo hijo murió pocas horas después de ser detenido en \
una comisaría. La policía habla de un «malestar súbito», pero la familia vio golpes en \
el cuerpo. ¿Qué derechos tiene la familia durante la investigación y qué normas \
internacionales podemos citar ante la fiscalía?""",
        language="es",
        replies=(
            DemoReply(
                "joao",
                10,
                """Lo siento mucho por la familia. Tres referencias útiles:

- **Conjunto de Principios para la protección de todas las personas sometidas a \
cualquier forma de detención o prisión**, principio 34: toda muerte durante la \
detención debe ser investigada por una autoridad judicial u otra autoridad, de oficio o \
a petición de un familiar.
- **Protocolo de Minnesota sobre la investigación de muertes potencialmente ilícitas \
(2016)**: la investigación debe ser pronta, independiente, imparcial y transparente, y \
la familia tiene derecho a participar, a ser informada y a estar representada en la \
autopsia.
- **Código de conducta para funcionarios encargados de hacer cumplir la ley**, \
artículo 6: la policía responde de la salud de las personas bajo su custodia.

Pidan por escrito que se conserven las grabaciones de la comisaría y el registro de \
custodia antes de que se borren.""",
                helpful=("rosa-m", "sofia-r", "nomvula", "priya-s"),
                accepted=True,
            ),
            DemoReply(
                "rosa-m",
                22,
                "Añado algo práctico: cuando una persona muere bajo custodia, corresponde al "
                "Estado explicar la muerte. Conviene que la familia pida también la historia "
                "clínica de cualquier atención médica tras la detención y la lista del "
                "personal de guardia esa noche.",
                helpful=("mariela", "joao"),
            ),
            DemoReply(
                "mariela",
                40,
                "Gracias @joao y @rosa-m. Hoy mismo hemos presentado la solicitud de "
                "conservación de las grabaciones.",
            ),
        ),
    ),
    DemoThread(
        "rafael",
        49.3,
        "How can we measure ethnic profiling in stops when police publish no data?",
        ("discrimination-and-profiling", "stop-and-search"),
        """In our country police do not record the reasons for identity checks or who is \
stopped. We believe young men from some neighbourhoods are stopped far more often, but \
we only have testimonies. Are there research methods that have worked without official \
data?""",
        replies=(
            DemoReply(
                "jonas",
                8,
                """We ran an **observation study** at two railway stations: trained \
observers counted who passed through and who was stopped, over several weeks and at \
different times of day. Comparing the stop rate with the population actually present \
in the same place is much stronger than comparing with census figures. Several NGOs \
have published step-by-step guides to this method.""",
                helpful=("rafael", "daniel", "tomasz"),
            ),
            DemoReply(
                "daniel",
                26,
                "From a police perspective: once you have numbers, ask for a meeting rather "
                "than only publishing. In my force an external observation study is what "
                "finally got **stop forms** introduced, and recording the grounds for each "
                "stop protects officers too.",
                helpful=("rafael", "jonas"),
            ),
            DemoReply(
                "rafael",
                40,
                "Very helpful, thank you. We will pilot observations at one transport hub first.",
            ),
        ),
    ),
    DemoThread(
        "fatou",
        47.2,
        "Couvre-feu sanitaire : la police peut-elle frapper ceux qui ne le respectent pas ?",
        ("covid-19", "use-of-force"),
        """Pendant le couvre-feu, des agents ont frappé à coups de matraque des \
vendeuses qui rentraient chez elles quelques minutes après l'heure. Les autorités \
disent que l'urgence sanitaire justifie des mesures fortes. Quelles normes \
internationales s'appliquent, et comment en parler aux autorités locales ?""",
        language="fr",
        replies=(
            DemoReply(
                "claire",
                7,
                """Non : une urgence sanitaire ne change pas les règles sur l'usage de la \
force. Selon les **Principes de base sur le recours à la force et l'utilisation des \
armes à feu** (principes 4 et 5), la police doit d'abord utiliser des moyens non \
violents, et la force doit rester nécessaire et proportionnée ; le principe 8 précise \
qu'aucune circonstance exceptionnelle ne justifie de s'en écarter. Le **Code de \
conduite** (article 3) dit la même chose. Frapper quelqu'un pour un retard au \
couvre-feu est une punition, pas une mesure de police : un avertissement ou une amende \
suffit.""",
                helpful=("fatou", "samir", "anouk", "lina-h"),
                accepted=True,
            ),
            DemoReply(
                "samir",
                20,
                "Du côté de la formation : nous avons obtenu de bons résultats avec des "
                "consignes écrites très concrètes (« avertir, expliquer, verbaliser ») "
                "rappelées avant chaque nuit de couvre-feu. Les abus diminuent quand les "
                "chefs d'équipe savent qu'ils devront rendre des comptes.",
                helpful=("claire", "fatou"),
            ),
            DemoReply(
                "fatou",
                36,
                "Merci beaucoup, je partage ces références avec notre association.",
            ),
        ),
    ),
    DemoThread(
        "joao",
        45.4,
        "What actually changes practice after de-escalation training?",
        ("training", "use-of-force"),
        """After twenty years of training officers, my honest view is that a two-day \
course on its own changes little. What changed behaviour in my experience was scenario \
training that is repeated, supervisors who ask about de-escalation in every debrief, and \
reports that record the attempts to avoid force (Basic Principles 4 and 20).

What have you seen work, or fail, in your countries?""",
        kind=ThreadKind.DISCUSSION,
        helpful=("kwame", "inspector-dara", "claire", "ahmad"),
        replies=(
            DemoReply(
                "inspector-dara",
                12,
                "Agree on supervisors. We added one question to every use-of-force review: "
                "*what did you try first?* Within a year the reports got longer and injuries "
                "went down. We cannot prove the link, but officers say the question changed "
                "how they think at the scene.",
                helpful=("joao", "kwame", "anouk", "claire"),
            ),
            DemoReply(
                "kwame",
                30,
                "What failed for us: lecture-style human rights modules taught by people who "
                "had never worked a shift. Officers switched off. Co-teaching by an "
                "experienced officer and a human rights lawyer worked far better.",
                helpful=("joao", "samir", "ahmad"),
            ),
            DemoReply(
                "anouk",
                50,
                "We film role plays and let participants watch themselves. Seeing your own "
                "raised voice on screen convinces more than any trainer.",
                helpful=("claire", "joao"),
            ),
            DemoReply(
                "claire",
                60,
                "One addition: train **communication under stress**, not only in a calm "
                "classroom. A raised heart rate changes everything.",
                helpful=("anouk", "samir"),
            ),
            DemoReply(
                "joao",
                70,
                "Thank you all. I will collect these points into a lesson draft. @kwame, may "
                "I quote your co-teaching example?",
            ),
        ),
    ),
    DemoThread(
        "grace-o",
        43.0,
        "Do press vests protect journalists at protests, or make them targets?",
        ("journalists-and-press", "public-assembly"),
        """Several colleagues were pushed and had cameras seized at recent \
demonstrations, some while wearing a PRESS vest, and some now prefer not to wear one. \
What do the standards say about journalists covering protests, and what can we ask the \
police to commit to?""",
        replies=(
            DemoReply(
                "hassan",
                5,
                "In my experience it depends on the unit: vests help with ordinary officers "
                "and hurt with some public-order units. We now work in pairs, one filming and "
                "one watching the police lines, and agree an exit route before we go in.",
                helpful=("grace-o", "hanna", "pedro-a"),
            ),
            DemoReply(
                "joao",
                14,
                """General Comment No. 37 on Article 21 ICCPR is clear: journalists, human \
rights defenders and monitors are entitled to protection while observing and recording \
an assembly, also when it is declared unlawful or dispersed, and their equipment may not \
be confiscated or destroyed.

Concretely, you can ask the police for a media liaison officer on the day, a written \
instruction to units that the press is not to be dispersed with the crowd, and a visible \
identification number on every officer's uniform, so that incidents can be reported and \
reviewed (Basic Principles 22 to 24).""",
                helpful=("grace-o", "hassan", "hanna", "pedro-a", "amina"),
                accepted=True,
            ),
            DemoReply(
                "hanna",
                30,
                "In our country the journalists' union and the police signed a short "
                "protocol on exactly these points. Happy to share its structure.",
                helpful=("grace-o",),
            ),
        ),
    ),
    DemoThread(
        "tomasz",
        41.3,
        "Live facial recognition at demonstrations: which standards apply?",
        ("surveillance", "public-assembly", "freedom-of-expression"),
        """Our city police want to test live facial recognition cameras at large \
events, including demonstrations, and say it is only for finding wanted persons. Which \
human rights standards apply, and what safeguards should we ask for if we cannot stop \
the test?""",
        replies=(
            DemoReply(
                "chen-w",
                9,
                """The right to privacy (ICCPR Art. 17) and the right of peaceful assembly \
(Art. 21) apply together, and General Comment No. 37 warns that recognition technology \
can have a **chilling effect** on participation. Minimum safeguards to ask for:

- a specific legal basis and an independent authorisation for each deployment;
- a published policy on who goes on a watch list;
- immediate deletion of everyone who is not a match;
- an independent audit of error rates across ethnic groups and genders.""",
                helpful=("tomasz", "aigerim", "hanna", "rafael"),
            ),
            DemoReply(
                "aigerim",
                22,
                "In our region such systems came in for football matches and were later used "
                "to identify protesters. Ask for a legal limit on the purposes, not just a "
                "policy.",
                helpful=("tomasz", "chen-w"),
            ),
            DemoReply(
                "tomasz",
                34,
                "Thank you both. We will publish these safeguards as our minimum demands.",
            ),
        ),
    ),
    DemoThread(
        "lina-h",
        39.1,
        "Access to a lawyer from the first hour of custody: which standards say so?",
        ("arrest-and-detention", "torture-and-ill-treatment"),
        """We are commenting on a draft code of criminal procedure that lets police \
hold suspects for 48 hours before they may see a lawyer. Which international standards \
support access to a lawyer from the start of custody? The ministry responds to \
standards more than to case law.""",
        replies=(
            DemoReply(
                "priya-s",
                6,
                """Useful references:

- **Body of Principles on Detention**, Principles 15, 17 and 18: communication with \
counsel may not be denied for more than a matter of days, and a detained person is \
entitled to legal assistance and to consult counsel in confidence.
- **Basic Principles on the Role of Lawyers**, Principle 7: access *promptly*, and in \
any case not later than 48 hours: a ceiling, not a target.
- ICCPR Arts. 9 and 14, with the Human Rights Committee's General Comment No. 35.

The strongest argument for a ministry is prevention: the first hours are when the risk \
of ill-treatment and forced confessions is highest (Body of Principles, Principle 21).""",
                helpful=("lina-h", "olga", "sofia-r", "joao"),
                accepted=True,
            ),
            DemoReply(
                "joao",
                20,
                "From the police side, the argument that lawyers slow investigations is "
                "weak. Forces that trained their interviewers in non-coercive interviewing "
                "(see the **Principles on Effective Interviewing for Investigations and "
                "Information Gathering**, 2021) found that a lawyer present from the start "
                "made interviews more reliable, not fewer.",
                helpful=("lina-h", "priya-s", "kwame"),
            ),
            DemoReply(
                "lina-h",
                28,
                "Excellent, thank you both. @priya-s, I will quote your list in the submission.",
            ),
        ),
    ),
    DemoThread(
        "anouk",
        37.2,
        "Bodycams: wanneer moet de camera aan staan?",
        ("accountability", "police-oversight"),
        """Ons korps voert bodycams in, maar het beleid laat agenten zelf beslissen \
wanneer ze opnemen. Bij klachten over geweld blijkt de camera vaak uit te staan. Zijn er \
voorbeelden van goede regels over wanneer de camera verplicht aan moet?""",
        language="nl",
        replies=(
            DemoReply(
                "mod-sam",
                11,
                """Goede regels hebben drie onderdelen: de camera gaat **verplicht aan** \
vóór elk optreden waarbij geweld of een aanhouding te verwachten is; een agent die niet \
opneemt, moet dat schriftelijk verantwoorden; en beelden worden automatisch bewaard \
zodra er een klacht of een geweldsmelding is.

Zorg ook dat klagers en onafhankelijke toezichthouders de beelden kunnen opvragen, \
anders beschermt de camera vooral het korps. Dat sluit aan bij de Basisbeginselen 22 \
tot en met 24 over melding en toetsing van geweldgebruik.""",
                helpful=("anouk", "ingrid", "thabo"),
                accepted=True,
            ),
            DemoReply(
                "anouk",
                26,
                "Dank je, dit neem ik mee naar de werkgroep.",
            ),
        ),
    ),
    DemoThread(
        "nomvula",
        35.3,
        "Who should investigate a death in a police cell: internal affairs or an independent body?",
        ("deaths-in-custody", "police-oversight"),
        """A man died in a police cell in our province, and his family was told it was \
natural causes before any post-mortem had been done. The investigation is run by \
detectives from the same station. What does an independent investigation require, and \
who should lead it?""",
        replies=(
            DemoReply(
                "priya-s",
                7,
                "The **Minnesota Protocol on the Investigation of Potentially Unlawful Death** "
                "(2016) is the standard: the investigation must be prompt, effective, "
                "thorough, independent, impartial and transparent, and investigators must be "
                "independent of anyone implicated. Colleagues from the same station clearly "
                "are not. The family must be kept informed and be able to take part.",
                helpful=("nomvula", "rosa-m", "mariela"),
            ),
            DemoReply(
                "joao",
                15,
                """Agree with @priya-s. Two things I would add from internal reviews I \
have sat on. First, an independent body needs **its own investigators and forensic \
access from day one**: evidence from a cell (footage, custody logs, records of cell \
checks) disappears within days. Second, look at the duty of care: the Code of Conduct \
(Art. 6) and Basic Principle 5(c) require medical help as soon as it is needed, so the \
record of cell checks and calls to medical staff is central evidence.""",
                helpful=("nomvula", "priya-s", "thabo", "ingrid", "mod-sam"),
                accepted=True,
            ),
            DemoReply(
                "thabo",
                30,
                "Speaking as a police officer: our oversight body investigates every death "
                "in custody automatically, and honestly it also protects officers who did "
                "their job right. Push for a legal duty to refer, not a discretion.",
                helpful=("nomvula", "joao"),
            ),
        ),
    ),
    DemoThread(
        "daniel",
        33.2,
        "Handcuffing children: are there standards on restraints for under-18s?",
        ("children-and-youth", "use-of-force", "arrest-and-detention"),
        """Our force is reviewing its guidance after complaints that children as young \
as twelve were handcuffed during arrests for minor offences. Officers say handcuffs keep \
everyone safe. Are there international standards specific to restraining children?""",
        replies=(
            DemoReply(
                "sofia-r",
                9,
                """Yes. The Convention on the Rights of the Child (Art. 37) requires that \
depriving a child of liberty be a last resort and that children be treated in a way that \
takes their age into account. The **Beijing Rules** (Rule 10) ask that contact between \
police and a child avoid harm to the child, and the **Havana Rules** (Rule 64) allow \
instruments of restraint only in exceptional cases, when all other means of control \
have been exhausted.""",
                helpful=("daniel", "ayesha", "kwame"),
            ),
            DemoReply(
                "joao",
                20,
                "From a training angle: handcuffing by default is a policy problem more than "
                "an individual one. The necessity test of Basic Principles 4 and 5 applies "
                "to every restraint, so the guidance should ask *why this child, now*, and "
                "require the reason to be recorded each time, with a supervisor's review for "
                "anyone under 18.",
                helpful=("daniel", "sofia-r"),
            ),
            DemoReply(
                "daniel",
                45,
                "Very helpful. We are drafting a rule that every handcuffing of a child is "
                "reviewed by an inspector within 24 hours.",
            ),
        ),
    ),
    DemoThread(
        "thabo",
        31.1,
        "Warning shots: are they ever compatible with the Basic Principles?",
        ("firearms", "use-of-force"),
        """Our firearms policy still allows warning shots into the air before a firearm \
is used against a person. Some colleagues want to keep them because they avoid shooting \
anyone. Do the international standards allow warning shots, and what do good policies \
say?""",
        replies=(
            DemoReply(
                "joao",
                4,
                """The Basic Principles do not mention warning shots, but they set the \
frame: firearms may be used only against an imminent threat of death or serious injury \
(Principle 9), after a clear **verbal** warning where possible (Principle 10). A warning \
shot is itself a use of a firearm: a bullet fired into the air comes down somewhere, and \
near a crowd it can kill. It also tends to cause panic or return fire.

Most modern policies therefore prohibit warning shots, or allow them only in open terrain \
with no one nearby, and require them to be reported like any other discharge.""",
                helpful=("thabo", "claire", "inspector-dara", "officer-kim", "ahmad"),
                accepted=True,
            ),
            DemoReply(
                "claire",
                18,
                "Agree. In our academy we teach that if the situation does not justify aiming "
                "at the person, it does not justify firing at all. Warning shots blur that "
                "line.",
                helpful=("thabo", "joao"),
            ),
            DemoReply(
                "thabo",
                24,
                "Clear, thank you. I will take this to our policy working group.",
            ),
        ),
    ),
    DemoThread(
        "hassan",
        29.0,
        "What should a medical report contain after alleged ill-treatment in custody?",
        ("torture-and-ill-treatment", "accountability"),
        """We support people who say they were beaten during interrogation and released \
days later. Often the only medical record is a one-line certificate from a police \
doctor saying there were no visible injuries. What should an independent medical \
report contain to be useful as evidence?""",
        replies=(
            DemoReply(
                "lina-h",
                6,
                """The reference is the **Istanbul Protocol** (Manual on the Effective \
Investigation and Documentation of Torture, revised in 2022). A useful report records \
the person's own account, the examination findings with photographs and body diagrams, \
psychological evidence (which matters a lot once physical marks have faded), and the \
doctor's opinion on how consistent the findings are with the allegations.

The Body of Principles (Principle 24) also entitles every detained person to a proper \
medical examination as promptly as possible after admission, so a missing or one-line \
examination is itself worth a complaint.""",
                helpful=("hassan", "rosa-m", "priya-s", "mariela"),
                accepted=True,
            ),
            DemoReply(
                "rosa-m",
                20,
                "Add the time of the examination and who was present. A police officer in "
                "the room makes a medical examination far less reliable.",
                helpful=("hassan", "lina-h"),
            ),
        ),
    ),
    DemoThread(
        "malik",
        27.2,
        "Pre-charge detention under counter-terrorism law: how long is too long?",
        ("counter-terrorism", "arrest-and-detention"),
        """A new counter-terrorism law lets police hold suspects for up to 30 days before \
they see a judge. The government says terrorism cases are complex. What do the \
international standards say about how quickly a detained person must be brought before \
a judge?""",
        replies=(
            DemoReply(
                "yusuf-k",
                8,
                """ICCPR Art. 9(3) requires that anyone arrested on a criminal charge be \
brought **promptly** before a judge. The Human Rights Committee's General Comment No. 35 \
says 48 hours is ordinarily enough, and any longer delay must remain absolutely \
exceptional and justified. Thirty days without judicial control is far outside that \
range: the complexity of a case may justify time to investigate, not time without a \
judge.""",
                helpful=("malik", "olga", "lina-h"),
            ),
            DemoReply(
                "olga",
                22,
                "Also relevant: long periods without contact with the outside world increase "
                "the risk of ill-treatment (ICCPR Art. 7). Ask who may visit during those 30 "
                "days (family, lawyer, doctor) and whether an independent body inspects the "
                "places used.",
                helpful=("malik", "yusuf-k"),
            ),
        ),
    ),
    DemoThread(
        "ahmad",
        25.9,
        "Setting up a human rights unit inside a police academy: where to start?",
        ("police-reform", "training"),
        """Our academy has been asked to create a small human rights unit, with a budget \
for two trainers and some materials for one year. For those who have done this: what \
would you do first, and what would you avoid?""",
        kind=ThreadKind.DISCUSSION,
        helpful=("samir",),
        replies=(
            DemoReply(
                "joao",
                10,
                "Start with the **use-of-force curriculum**, not with a separate human rights "
                "module. If firearms and arrest training already teach necessity, "
                "proportionality and de-escalation (Basic Principles 4, 5, 19 and 20), the "
                "unit becomes part of the core rather than an add-on.",
                helpful=("ahmad", "kwame", "inspector-dara"),
            ),
            DemoReply(
                "kwame",
                24,
                "Avoid importing a foreign manual wholesale. Use anonymised cases from your "
                "own complaints files: officers respect material that looks like their own "
                "streets.",
                helpful=("ahmad", "joao", "samir"),
            ),
            DemoReply(
                "inspector-dara",
                40,
                "Measure from day one: complaints, injuries, use-of-force reports. After two "
                "years you will need the numbers to keep the budget.",
                helpful=("ahmad",),
            ),
        ),
    ),
    DemoThread(
        "samir",
        24.1,
        "Electric shock weapons in drive-stun mode: is there any legitimate use?",
        ("less-lethal-weapons", "training"),
        """Our ministry is considering electric shock weapons for patrol officers. The \
supplier's course shows the weapon pressed directly against the body (drive-stun) to \
make people comply. I am preparing the training module and want to know where the \
international guidance draws the line.""",
        replies=(
            DemoReply(
                "joao",
                7,
                """The UN Human Rights Guidance on Less-Lethal Weapons (2020) is very \
cautious about contact mode: it causes pain without incapacitating, so it obtains \
compliance through pain, which comes close to what Art. 5 of the Code of Conduct and \
ICCPR Art. 7 prohibit. The use the Guidance accepts is in projectile mode, against a \
person posing an imminent threat of injury, when less harmful means would not work.

For your module: never on a restrained person, on someone running away, near flammable \
substances or at height; every further cycle needs its own justification; and every use \
is reported and followed by a medical check.""",
                helpful=("samir", "officer-kim", "claire", "anouk", "kwame"),
                accepted=True,
            ),
            DemoReply(
                "officer-kim",
                24,
                "We saw the same in our trial: officers reached for the weapon earlier than "
                "they would for a baton. Strict reporting brought usage down.",
                helpful=("samir", "joao"),
            ),
        ),
    ),
    DemoThread(
        "ingrid",
        22.3,
        "Oversight bodies staffed by seconded police investigators: can they be independent?",
        ("police-oversight", "accountability", "police-reform"),
        """Many oversight bodies hire experienced investigators from the police, because \
few others know how to investigate. Critics say this undermines independence. I am \
writing a comparative paper and would value members' experience: how have bodies \
managed this tension?""",
        kind=ThreadKind.DISCUSSION,
        helpful=("tomasz", "nomvula"),
        replies=(
            DemoReply(
                "thabo",
                14,
                "In our body, former officers can investigate, but never cases involving "
                "their former unit, and a civilian leads every serious case. It is not "
                "perfect, but it keeps the skills in.",
                helpful=("ingrid", "mod-sam"),
            ),
            DemoReply(
                "mod-sam",
                30,
                "Practices I have seen help: a cooling-off period before hiring former "
                "police, mixed teams, training civilian investigators from the start, and "
                "publishing the background of staff in annual reports. Independence is also "
                "about **perception**: the family of someone who died in custody has to be "
                "able to trust it.",
                helpful=("ingrid", "nomvula", "priya-s", "thabo"),
            ),
            DemoReply(
                "priya-s",
                44,
                "From the complainants' side, the worst case is a body that looks "
                "independent but relies on the police for forensic services. Ask about the "
                "laboratories as well as the people.",
                helpful=("ingrid", "mod-sam"),
            ),
        ),
    ),
    DemoThread(
        "kwame",
        20.2,
        "Officers who refuse unlawful orders: are they protected, and how do we train for it?",
        ("accountability", "training", "use-of-force"),
        """In a training session a young officer asked what happens if a commander \
orders them to fire at unarmed protesters. We told them not to obey, but they asked \
what protects them afterwards. What do the standards say, and are there good examples \
of training on this?""",
        replies=(
            DemoReply(
                "joao",
                5,
                """The Basic Principles answer both sides. **Principle 25**: no criminal or \
disciplinary sanction may be imposed on officers who refuse an unlawful order to use \
force or firearms. **Principle 26**: obeying superior orders is no defence if the \
officer knew the order was manifestly unlawful and had a reasonable chance to refuse, \
and the superiors who gave it are responsible too (Principle 24). Art. 5 of the Code of \
Conduct says the same about torture.

In training I use short scenarios where the order is ambiguous rather than obviously \
criminal. The skill to practise is asking for clarification and recording it, which \
makes refusal possible without a confrontation.""",
                helpful=("kwame", "inspector-dara", "ahmad", "claire", "amina"),
                accepted=True,
            ),
            DemoReply(
                "inspector-dara",
                22,
                "Worth adding: officers need a confidential way to report such orders "
                "afterwards, outside their chain of command.",
                helpful=("kwame", "joao"),
            ),
        ),
    ),
    DemoThread(
        "mateo",
        18.1,
        "¿Notificación o autorización? Requisitos previos para manifestarse",
        ("public-assembly", "freedom-of-expression"),
        """En nuestro país se discute una ley que obliga a pedir autorización con diez \
días de antelación para cualquier manifestación y permite dispersar las que no la \
tengan. ¿Qué dicen las normas internacionales sobre los regímenes de notificación y las \
manifestaciones espontáneas?""",
        language="es",
        replies=(
            DemoReply(
                "joao",
                9,
                """La referencia es la Observación general n.º 37 del Comité de Derechos \
Humanos sobre el artículo 21 del PIDCP. Un régimen de **notificación** previa puede ser \
compatible, pero no debe funcionar como una autorización encubierta, y la falta de \
notificación no convierte una reunión en ilícita ni justifica por sí sola dispersarla. \
Las reuniones espontáneas, que responden a hechos inmediatos, deben quedar exentas.

Además, según los Principios Básicos 12 y 13, incluso una reunión ilícita pero pacífica \
debe gestionarse sin fuerza o con la mínima necesaria.""",
                helpful=("mateo", "elena-v", "rafael", "mariela"),
                accepted=True,
            ),
            DemoReply(
                "elena-v",
                26,
                "En mi país hemos visto que los plazos largos afectan sobre todo a los "
                "colectivos pequeños. Conviene pedir datos de cuántas reuniones fueron "
                "prohibidas o dispersadas por falta de autorización.",
                helpful=("mateo", "joao"),
            ),
        ),
    ),
    DemoThread(
        "yusuf-k",
        16.3,
        "Protesters charged with insulting the state over slogans: which standards help?",
        ("freedom-of-expression", "public-assembly"),
        """Several students were arrested for banners that criticised the government in \
harsh terms, and are charged with insulting the state. Which standards should the \
defence rely on, beyond the general right to freedom of expression?""",
        replies=(
            DemoReply(
                "aigerim",
                12,
                """ICCPR Art. 19(3) allows only restrictions that are provided by law and \
necessary for a legitimate aim. The Human Rights Committee's General Comment No. 34 adds \
that the mere fact that expression insults a public figure is not enough to justify a \
penalty, and that states should not prohibit criticism of institutions or punish \
disrespect for authority.""",
                helpful=("yusuf-k", "grace-o", "hanna"),
            ),
            DemoReply(
                "joao",
                28,
                "On the policing side: arresting people for what is written on a banner, with "
                "no violence involved, is hard to square with Basic Principle 12 and with "
                "General Comment No. 37, which protects the content of messages at "
                "assemblies, including ones that offend. Ask who ordered the arrests and on "
                "what written basis.",
                helpful=("yusuf-k", "aigerim"),
            ),
        ),
    ),
    DemoThread(
        "olga",
        14.2,
        "Family not told where a detained relative is held: what can they do?",
        ("arrest-and-detention",),
        """A man was detained at a checkpoint and his family has heard nothing for three \
days: not where he is held, not on what grounds. The police stations they called deny \
holding him. Which standards can the family's lawyer rely on, and what are the first \
practical steps?""",
        replies=(
            DemoReply(
                "lina-h",
                3,
                """Treat this as urgent. Principle 16 of the Body of Principles requires \
that the family be told promptly of the arrest and of the place of detention, and \
Principle 12 requires a record of every arrest. Denying that a person is held can amount \
to an **enforced disappearance**.

First steps: a habeas corpus petition (ICCPR Art. 9(4)), written requests to every \
station and to the prosecutor, and, if there is no answer, an urgent appeal to the UN \
Working Group on Enforced or Involuntary Disappearances.""",
                helpful=("olga", "priya-s", "sofia-r", "hassan"),
                accepted=True,
            ),
            DemoReply(
                "joao",
                8,
                "Practical note: ask for the **custody registers** of the stations near the "
                "checkpoint for those dates, not just whether he is there. A register is "
                "harder to deny than a phone call.",
                helpful=("olga", "lina-h"),
            ),
            DemoReply(
                "olga",
                50,
                "He has been located in a station far from the checkpoint, after the "
                "prosecutor's request. Thank you both.",
            ),
        ),
    ),
    DemoThread(
        "inspector-dara",
        12.1,
        "Shooting at moving vehicles: what should our policy say?",
        ("firearms", "use-of-force", "training"),
        """After a near miss at a checkpoint we are reviewing our rules on firing at \
vehicles driven towards officers. Shooting at a moving car rarely stops it and endangers \
passengers and bystanders. How do good policies handle this, and what does training \
need to cover?""",
        replies=(
            DemoReply(
                "claire",
                6,
                "Our policy prohibits firing at a moving vehicle unless someone in it is "
                "using deadly force by means other than the vehicle itself, and it makes "
                "**moving out of its path** the first duty. Officers are trained never to "
                "stand in front of a vehicle in the first place.",
                helpful=("inspector-dara", "joao", "thabo"),
            ),
            DemoReply(
                "joao",
                15,
                """This is Principle 9 in a hard case: lethal force only when strictly \
unavoidable to protect life. Hitting a driver at speed turns the car into an \
uncontrolled weapon, so the real question is whether firing protects anyone at all.

Good policies also move the duty earlier: checkpoints designed so that officers have \
cover and are never in a vehicle's path, because minimising harm (Principle 5) starts \
with planning.""",
                helpful=("inspector-dara", "claire", "officer-kim", "daniel"),
            ),
        ),
    ),
    DemoThread(
        "elena-v",
        10.2,
        "Collecting data on injuries from water cannon: what has worked?",
        ("less-lethal-weapons", "public-assembly"),
        """I am designing a study on injuries caused by water cannon at demonstrations. \
Hospitals rarely record the cause, and people avoid hospitals for fear of being \
identified. How have others collected reliable injury data without putting people at \
risk?""",
        kind=ThreadKind.DISCUSSION,
        helpful=("mateo", "tomasz"),
        replies=(
            DemoReply(
                "mateo",
                9,
                "We worked with volunteer medics at protests, who recorded injuries on a "
                "short anonymous form: part of the body, distance if known, type of "
                "projectile or jet. No names. It gave us hundreds of cases in one season.",
                helpful=("elena-v", "joao"),
            ),
            DemoReply(
                "joao",
                20,
                "From the police side, ask for the water cannon **operation logs**: pressure "
                "settings, distances and durations; many units keep them. The UN Guidance on "
                "Less-Lethal Weapons (2020) reserves water cannon for serious public "
                "disorder and warns against high-pressure jets aimed at people at close "
                "range.",
                helpful=("elena-v", "mateo", "officer-kim"),
            ),
            DemoReply(
                "officer-kim",
                40,
                "Please share the form when the study is done; we would like to compare it "
                "with our internal injury reports.",
                helpful=("elena-v",),
            ),
        ),
    ),
    DemoThread(
        "ayesha",
        8.3,
        "Police questioning children without a parent or lawyer present",
        ("children-and-youth", "arrest-and-detention"),
        """Teenagers detained after a protest were questioned at night with no parent, \
guardian or lawyer present, and some signed statements they did not understand. What do \
the standards require when police question children, and where should we complain?""",
        replies=(
            DemoReply(
                "sofia-r",
                10,
                "The Convention on the Rights of the Child (Art. 40) guarantees a child legal "
                "or other appropriate assistance, the presence of parents or guardians, and "
                "the right not to be compelled to confess. The **Beijing Rules** (Rule 10.1) "
                "require that parents be notified immediately. Challenge the statements in "
                "court, and complain to the prosecutor and the national human rights "
                "institution.",
                helpful=("ayesha", "daniel", "priya-s"),
            ),
            DemoReply(
                "kwame",
                30,
                "In our police training we insist on a simple rule: no interview of a child "
                "at night, and never without an appropriate adult. It prevents most of these "
                "problems.",
                helpful=("ayesha",),
            ),
        ),
    ),
    DemoThread(
        "amina",
        6.5,
        "How can a protester complain when they cannot identify the officer?",
        ("accountability", "police-oversight", "public-assembly"),
        """A young woman was hit with a baton at a protest, but the officers wore helmets \
and no name or number was visible. The police complaints unit says it cannot act \
without the officer's identity. How have others dealt with this, and which standards \
require officers to be identifiable?""",
        replies=(
            DemoReply(
                "joao",
                6,
                """General Comment No. 37 expects officers policing assemblies to wear \
clear identification, such as a visible number on the uniform or helmet; without it, \
the reporting and review required by Basic Principles 22 to 24 cannot work.

Meanwhile, the complaint can go ahead against the **unit**: the command knows which \
units were deployed where and when, and deployment records, radio logs and footage can \
identify the officer. Ask the complaints unit in writing to obtain them.""",
                helpful=("amina", "grace-o", "nomvula", "mod-sam"),
                accepted=True,
            ),
            DemoReply(
                "mod-sam",
                20,
                "If the internal unit still refuses, go to an oversight body or ombudsperson. "
                "Many can demand deployment records that a complainant cannot.",
                helpful=("amina", "joao"),
            ),
            DemoReply(
                "amina",
                28,
                "Thank you. The complaints unit has now asked for the deployment records.",
            ),
        ),
    ),
    DemoThread(
        "pedro-a",
        4.3,
        "Police drones over demonstrations: are there standards?",
        ("surveillance", "public-assembly"),
        """Our police have started flying drones over every demonstration and recording \
all the time. Nobody knows how long the footage is kept or who watches it. Are there \
international standards or good practices on drone surveillance of assemblies?""",
    ),
    DemoThread(
        "amina",
        3.2,
        "Tear gas fired towards a covered market: what do the standards say?",
        ("less-lethal-weapons", "public-assembly"),
        """During a protest last week, police fired tear gas towards a crowd that then \
ran into a covered market. People inside, including traders and children, could not \
get out quickly, and several needed treatment for breathing problems. We are preparing \
a report: which standards apply, and what should we ask the police?""",
        helpful=("elena-v",),
        replies=(
            DemoReply(
                "joao",
                5,
                """The UN Human Rights Guidance on Less-Lethal Weapons (2020) says chemical \
irritants should not be used in **confined spaces** that people cannot leave, and only \
when a dispersal is justified, after a warning and with time and a route to leave. \
Driving people into an enclosed space defeats the purpose of dispersal and risks \
crushing and asphyxia. Canisters must also never be fired directly at people.

Ask the police for the order to use gas and who gave it, the warnings given, the number \
of canisters fired, and what medical help was organised (Basic Principle 5(c)).""",
                helpful=("amina", "grace-o", "elena-v", "mateo"),
            ),
            DemoReply(
                "grace-o",
                26,
                "Our photographers have time-stamped images of the market entrance. Happy "
                "to share them with your team through a secure channel.",
                helpful=("amina",),
            ),
        ),
    ),
    DemoThread(
        "hanna",
        2.1,
        "Phones seized at a protest: may police search them without a warrant?",
        ("search-and-seizure", "surveillance", "journalists-and-press"),
        """At a recent demonstration police took the phones of several people, including \
two journalists, and returned them a week later. Some owners believe the contents were \
copied. Which standards govern searching and copying phones, and how can journalists \
protect their sources in such cases?""",
    ),
    DemoThread(
        "sofia-r",
        1.4,
        "Adolescentes detenidos en calabozos junto a adultos",
        ("children-and-youth", "arrest-and-detention"),
        """En varias comisarías de nuestra provincia, adolescentes detenidos pasan la \
noche en los mismos calabozos que adultos, a veces durante más de un día; la policía \
dice que no tiene espacio. ¿Qué normas podemos citar para exigir la separación inmediata \
y qué alternativas a la detención se han aplicado en otros países?""",
        language="es",
    ),
    DemoThread(
        "jonas",
        0.6,
        "Removing sit-in protesters who resist passively: where is the line on force?",
        ("use-of-force", "public-assembly"),
        """Climate activists in our city glue themselves to roads or link arms, and \
police now use pain-compliance holds to remove them. Officers say it is the only way to \
clear a road quickly. @joao and @claire, you both train officers: how do you teach the \
use of force against people who resist only passively?""",
    ),
]


def ensure_demo_threads() -> int:
    """Create the demo threads that do not exist yet; return how many were created.

    A thread exists when its demo author has a thread with that title, or
    its opening post (by its client token). Nothing is changed in threads
    that exist, so what demo visitors did to them survives another run.
    """
    members = demo_members()
    wanted = [
        demo
        for demo in DEMO_THREADS
        if demo.author in members and not _seeded_before(demo, members[demo.author])
    ]
    if not wanted:
        return 0
    tags = Tag.objects.in_bulk({slug for demo in wanted for slug in demo.tags}, field_name="slug")
    with transaction.atomic():
        seeding = _Seeding(members, tags, timezone.now())
        seeding.follow_topics()
        seeding.run(wanted)
        seeding.quiet_inboxes()
    return seeding.created


def _token(demo: DemoThread) -> uuid.UUID:
    return uuid.uuid5(TOKEN_NAMESPACE, demo.title)


def demo_thread(title: str) -> Thread | None:
    """The demo thread by its title, or by its opening post's token if it was renamed.

    Other apps' demo data that grew out of a demo thread find it here
    (network.demo hands it to the demo lessons).
    """
    if not title:
        return None
    token = uuid.uuid5(TOKEN_NAMESPACE, title)
    return (
        Thread.objects.filter(title=title).order_by("pk").first()
        or Thread.objects.filter(posts__is_opening=True, posts__client_token=token).first()
    )


def _seeded_before(demo: DemoThread, author: User) -> bool:
    return (
        Thread.objects.filter(author=author, title=demo.title).exists()
        or Post.objects.filter(author=author, client_token=_token(demo)).exists()
    )


Action = Callable[[datetime], None]


class _Seeding:
    """Replays the demo conversations in date order through forum.services.

    The services date everything timezone.now(); the dates the conversation
    should have are collected on the way and written at the end, a few bulk
    updates instead of one query per post.
    """

    def __init__(self, members: dict[str, User], tags: dict[str, Tag], now: datetime) -> None:
        self.members, self.tags, self.now = members, tags, now
        self.recipients = [member.pk for member in members.values()]
        self.first_notification = self._last_id(Notification)
        self.first_email = self._last_id(OutboxEmail)
        self.threads: dict[int, Thread] = {}
        self.posts: dict[tuple[int, int], Post] = {}  # (thread, reply or -1 for the opening)
        self.marks: dict[tuple[int, int], datetime] = {}  # (post id, member id)
        self.created = 0

    def _last_id(self, model: type[Notification] | type[OutboxEmail]) -> int:
        return model.objects.aggregate(last=Max("pk"))["last"] or 0

    def follow_topics(self) -> None:
        """Experts and the demo accounts follow their topics, as the design's
        journeys have them do, so that new questions reach them."""
        demo_handles = {account.handle for account in DEMO_ACCOUNTS}
        for handle, member in self.members.items():
            if member.is_expert or handle in demo_handles:
                for tag in member.profile.expertise.all():
                    follow(follower=member, target=tag)

    def run(self, wanted: list[DemoThread]) -> None:
        order = itertools.count()  # breaks ties: a thread before its replies
        events: list[tuple[datetime, int, Action]] = []
        for demo in wanted:
            index = DEMO_THREADS.index(demo)
            opened = self.now - timedelta(days=demo.days_ago)
            events.append((opened, next(order), self._open(index, demo)))
            for n, handle in enumerate(demo.helpful, start=1):
                marked = opened + HELPFUL_DELAY * n
                events.append((marked, next(order), self._helpful(index, -1, handle)))
            for position, answer in enumerate(demo.replies):
                posted = opened + timedelta(hours=answer.hours)
                events.append((posted, next(order), self._reply(index, position, answer)))
                for n, handle in enumerate(answer.helpful, start=1):
                    marked = posted + HELPFUL_DELAY * n
                    events.append((marked, next(order), self._helpful(index, position, handle)))
                if answer.accepted:
                    accepted = posted + ACCEPT_DELAY
                    events.append((accepted, next(order), self._accept(index, position, demo)))
        # The last events of a very recent thread may fall in the future: they
        # happen now instead, still in order.
        latest = self.now - timedelta(minutes=1)
        for when, _order, action in sorted(events, key=lambda event: event[:2]):
            action(min(when, latest))
        self._write_dates()

    def _open(self, index: int, demo: DemoThread) -> Action:
        def open_thread(when: datetime) -> None:
            author = self.members[demo.author]
            thread = services.create_thread(
                author=author,
                title=demo.title,
                body=demo.body,
                tags=[self.tags[slug] for slug in demo.tags],
                kind=demo.kind,
                language=demo.language,
                client_token=_token(demo),
            )
            if demo.pinned:
                services.switch_thread(actor=author, thread=thread, action="pin")
            opening = Post.objects.get(thread=thread, is_opening=True)
            thread.created_at = thread.last_activity_at = opening.created_at = when
            self.threads[index], self.posts[index, -1] = thread, opening
            self.created += 1
            self._date_notifications(when)

        return open_thread

    def _reply(self, index: int, position: int, answer: DemoReply) -> Action:
        def post_reply(when: datetime) -> None:
            author, thread = self.members.get(answer.author), self.threads[index]
            if author is None:
                return
            post = services.create_reply(author=author, thread=thread, body=answer.body)
            post.created_at = thread.last_activity_at = when
            self.posts[index, position] = post
            self._date_notifications(when)

        return post_reply

    def _helpful(self, index: int, position: int, handle: str) -> Action:
        def mark(when: datetime) -> None:
            member, post = self.members.get(handle), self.posts.get((index, position))
            if member is None or post is None:
                return
            services.mark_helpful(member=member, post=post)
            self.marks[post.pk, member.pk] = when

        return mark

    def _accept(self, index: int, position: int, demo: DemoThread) -> Action:
        def accept(when: datetime) -> None:
            post = self.posts.get((index, position))
            if post is not None:
                services.accept_answer(actor=self.members[demo.author], post=post)
                self._date_notifications(when)

        return accept

    def _date_notifications(self, when: datetime) -> None:
        """What an action notified is dated with it, so inboxes read in order.

        Rows not dated yet are the ones written after the seeding started;
        every date given is before that.
        """
        Notification.objects.filter(
            pk__gt=self.first_notification,
            recipient_id__in=self.recipients,
            created_at__gte=self.now,
        ).update(created_at=when)

    def _write_dates(self) -> None:
        Thread.objects.bulk_update(self.threads.values(), ["created_at", "last_activity_at"])
        Post.objects.bulk_update(self.posts.values(), ["created_at"])
        marks = list(HelpfulMark.objects.filter(post__in=[p.pk for p in self.posts.values()]))
        for mark in marks:
            mark.created_at = self.marks[mark.post_id, mark.member_id]
        HelpfulMark.objects.bulk_update(marks, ["created_at"])

    def quiet_inboxes(self) -> None:
        quiet_seeded_inboxes(
            first_notification=self.first_notification,
            first_email=self.first_email,
            recipients=self.recipients,
            now=self.now,
        )
