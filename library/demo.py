"""The demo library: about 25 resources across types, languages and collections.

Every text here was written for the demo; no third-party document is copied.
The PDF files are generated at seed time with fpdf2, with an author, a
creator program and dates in their metadata, and go through the same upload
pipeline as a member's file (common.uploads), which strips them. Then the
worker's text extraction runs once, so the demo's search finds words inside
the files at once. Idempotent: a resource whose title exists is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.text import slugify
from fpdf import FPDF

from library import services
from library.models import Collection, CollectionOrder, Resource
from library.services import CollectionData, ResourceData
from members.models import Tag, User


@dataclass(frozen=True)
class DemoResource:
    title: str
    kind: str
    by: str  # demo handle of who adds it: the expert, the moderator, or the activist
    authors: str
    publisher: str
    published_on: date
    abstract: str
    pages: tuple[str, ...] = ()  # one PDF page each; none: a link only
    language: str = "en"
    tags: tuple[str, ...] = ()
    provisions: tuple[tuple[str, str], ...] = ()
    country: str = ""
    region: str = ""
    series: str = ""
    number: int | None = None
    visibility: str = "members"
    source_url: str = ""
    licence: str = "CC BY 4.0"
    collections: tuple[str, ...] = field(default_factory=tuple)


SERIES = "Short Paper Series on Policing and Human Rights"
COVID = "covid-19-and-policing"
PAPERS = "short-paper-series"

PAPER_TOPICS = [
    (
        2019,
        "Community policing and trust",
        "Trust grows where officers are known by name. This paper looks at neighbourhood "
        "teams that stay in one place for years and at what residents say about them.",
        ("police-reform", "accountability"),
    ),
    (
        2020,
        "Policing public assemblies: facilitation first",
        "Assemblies are to be facilitated, not merely tolerated. The paper sets out how "
        "dialogue officers, clear communication and restraint reduce violence at protests.",
        ("public-assembly", "use-of-force"),
    ),
    (
        2021,
        "Body-worn cameras and accountability",
        "Cameras help accountability only with clear rules on when they record, who may "
        "watch and how long footage is kept. The paper compares three policies.",
        ("accountability", "surveillance"),
    ),
    (
        2022,
        "Less-lethal weapons: testing, training, reporting",
        "Less-lethal does not mean harmless. The paper follows one weapon from procurement "
        "tests through training to the report after each use.",
        ("less-lethal-weapons", "use-of-force", "training"),
    ),
    (
        2023,
        "Stop and search: recording every encounter",
        "A record of each stop, given to the person stopped, makes profiling visible. The "
        "paper reviews what such records show after five years.",
        ("stop-and-search", "discrimination-and-profiling"),
    ),
]


def _papers() -> list[DemoResource]:
    papers = []
    for number, (year, title, abstract, tags) in enumerate(PAPER_TOPICS, start=1):
        papers.append(
            DemoResource(
                title=title,
                kind="publication",
                by="joao",
                authors="Network editorial group",
                publisher="Policing & Human Rights Network",
                published_on=date(year, 6, 1),
                abstract=abstract,
                pages=(
                    f"{title}\n\n{abstract}",
                    f"Findings. {abstract} Officers interviewed for paper {number} described "
                    "the change as slow but lasting.",
                    f"Recommendations of paper {number}: publish the policy, train on it every "
                    "year, and let an independent body review how it is applied.",
                ),
                tags=tags,
                provisions=(("un-code-of-conduct", "Art. 2"),),
                series=SERIES,
                number=number,
                visibility="public",
                collections=(PAPERS,),
            )
        )
    return papers


RESOURCES: list[DemoResource] = [
    *_papers(),
    DemoResource(
        title="Lockdown enforcement: a checklist for proportionate policing",
        kind="guidance",
        by="joao",
        authors="Ana Ferreira; Kwame Mensah",
        publisher="Policing & Human Rights Network",
        published_on=date(2020, 4, 20),
        abstract="Ten questions a commander asks before enforcing an emergency measure: is "
        "it lawful, necessary, proportionate, and is it explained to the public?",
        pages=(
            "Checklist for emergency measures. 1. Is the measure in law? 2. Is it necessary?",
            "3. Is force a last resort? Curfew patrols should warn first and fine last. "
            "The word quarantinekit appears only on this page of the demo file.",
        ),
        tags=("covid-19", "use-of-force"),
        provisions=(("un-basic-principles-force-firearms", "Principle 4"),),
        region="Global",
        visibility="public",
        collections=(COVID,),
    ),
    DemoResource(
        title="Curfews and the use of force: monitoring report",
        kind="report",
        by="mod-sam",
        authors="Civil society monitoring coalition",
        publisher="Coalition for Police Accountability",
        published_on=date(2020, 9, 1),
        abstract="What monitors saw during six months of curfews in twelve cities: fines, "
        "arrests, and 41 incidents of force reported to the coalition.",
        pages=(
            "Monitoring report on curfews. Method: monitors in twelve cities.",
            "Findings: most incidents happened at checkpoints after dark.",
            "Annex: incident categories and how they were counted.",
        ),
        tags=("covid-19", "use-of-force", "accountability"),
        country="KE",
        collections=(COVID,),
    ),
    DemoResource(
        title="Detention during a pandemic: health and legal safeguards",
        kind="guidance",
        by="joao",
        authors="Detention monitoring working group",
        publisher="Policing & Human Rights Network",
        published_on=date(2020, 5, 12),
        abstract="Access to a lawyer and to a doctor must not pause in an emergency. This "
        "note lists safeguards for police custody when visits are restricted.",
        pages=("Safeguards in custody: notify a relative, a lawyer, a doctor, in that order.",),
        tags=("covid-19", "arrest-and-detention"),
        provisions=(("un-body-of-principles-detention", "Principle 24"),),
        collections=(COVID,),
    ),
    DemoResource(
        title="Confinement et maintien de l'ordre : guide pratique",
        kind="guidance",
        by="joao",
        authors="Groupe de travail francophone",
        publisher="Réseau Police et droits humains",
        published_on=date(2020, 6, 2),
        abstract="Un guide court pour les agents chargés de faire respecter le confinement : "
        "expliquer, avertir, verbaliser en dernier recours.",
        pages=("Guide pratique du confinement. Expliquer la mesure avant de la faire respecter.",),
        language="fr",
        tags=("covid-19",),
        country="SN",
        collections=(COVID,),
    ),
    DemoResource(
        title="Cuarentena y uso de la fuerza: lecciones de la región",
        kind="report",
        by="mod-sam",
        authors="Red regional de monitoreo",
        publisher="Red Policía y Derechos Humanos",
        published_on=date(2021, 2, 15),
        abstract="Un informe sobre cómo las policías de la región aplicaron las cuarentenas y "
        "qué aprendieron de las denuncias recibidas.",
        pages=("Informe regional sobre la cuarentena y el uso de la fuerza.",),
        language="es",
        tags=("covid-19", "use-of-force"),
        region="Latin America",
        collections=(COVID,),
    ),
    DemoResource(
        title="Emergency powers and policing: a webinar recording summary",
        kind="training",
        by="joao",
        authors="Network training team",
        publisher="Policing & Human Rights Network",
        published_on=date(2021, 3, 10),
        abstract="The summary and slides of a webinar on emergency powers, with the questions "
        "participants asked.",
        pages=("Webinar summary: emergency powers must end when the emergency ends.",),
        tags=("covid-19", "training"),
        visibility="public",
        collections=(COVID,),
    ),
    DemoResource(
        title="Training module: de-escalation in everyday encounters",
        kind="training",
        by="joao",
        authors="Network training team",
        publisher="Policing & Human Rights Network",
        published_on=date(2022, 10, 3),
        abstract="A one-day module with exercises: distance, time, communication. Trainer notes "
        "and a participant handout.",
        pages=(
            "Module outline: morning theory, afternoon scenarios.",
            "Scenario 1: a shouting man at a bus stop. Scenario 2: a crowd gathers.",
            "Handout: the three questions before any use of force.",
        ),
        tags=("training", "use-of-force"),
        provisions=(("un-basic-principles-force-firearms", "Principle 20"),),
    ),
    DemoResource(
        title="Court decision on the use of rubber bullets at a protest",
        kind="decision",
        by="mod-sam",
        authors="",
        publisher="Constitutional court (summary by the network)",
        published_on=date(2021, 11, 23),
        abstract="A summary of a decision holding that firing rubber bullets at the upper body "
        "of protesters violated the right to life and to peaceful assembly.",
        pages=("Summary of the decision. The court applied necessity and proportionality.",),
        tags=("less-lethal-weapons", "public-assembly"),
        provisions=(("iccpr", "Art. 21"), ("un-guidance-less-lethal-weapons", "Section 7")),
        country="CL",
    ),
    DemoResource(
        title="Police act amendments on oversight: annotated text",
        kind="law",
        by="mod-sam",
        authors="",
        publisher="Network legal group",
        published_on=date(2023, 1, 30),
        abstract="The amended sections on the independent complaints body, with notes on what "
        "changed and what remains unclear.",
        pages=("Section 12: the complaints body may open an investigation of its own motion.",),
        tags=("police-oversight", "accountability"),
        country="ZA",
    ),
    DemoResource(
        title="Statement on the arrest of journalists covering protests",
        kind="news",
        by="mod-sam",
        authors="Network coordination team",
        publisher="Policing & Human Rights Network",
        published_on=date(2024, 5, 3),
        abstract="The network's statement calling for the release of journalists detained while "
        "reporting, and for clear identification of press at assemblies.",
        tags=("journalists-and-press", "public-assembly"),
        provisions=(("iccpr", "Art. 19"),),
        visibility="public",
        source_url="https://example.org/statements/journalists-2024",
    ),
    DemoResource(
        title="Handboek registratie van staandehoudingen",
        kind="guidance",
        by="joao",
        authors="Werkgroep Nederland",
        publisher="Netwerk Politie en Mensenrechten",
        published_on=date(2022, 4, 11),
        abstract="Hoe je elke staandehouding registreert, en waarom dat profilering "
        "zichtbaar maakt.",
        pages=("Registreer tijd, plaats, reden en uitkomst van elke staandehouding.",),
        language="nl",
        tags=("stop-and-search", "discrimination-and-profiling"),
        country="NL",
    ),
    DemoResource(
        title="Deaths in custody: a guide for families and lawyers",
        kind="guidance",
        by="joao",
        authors="Custody deaths project",
        publisher="Policing & Human Rights Network",
        published_on=date(2023, 8, 14),
        abstract="What families can ask for after a death in custody: the autopsy, the footage, "
        "an independent investigation.",
        pages=(
            "The first 48 hours: ask for an independent autopsy.",
            "Evidence: request the custody record and camera footage in writing.",
        ),
        tags=("deaths-in-custody", "accountability"),
        provisions=(("un-body-of-principles-detention", "Principle 34"),),
    ),
    DemoResource(
        title="Annual report on complaints against the police",
        kind="report",
        by="mod-sam",
        authors="Independent police complaints authority",
        publisher="Independent police complaints authority",
        published_on=date(2024, 3, 1),
        abstract="Numbers and trends of complaints, with the share that led to discipline.",
        source_url="https://example.org/reports/complaints-2024",
        tags=("police-oversight",),
        region="Europe",
    ),
    DemoResource(
        title="Surveillance of protest organisers: legal analysis",
        kind="publication",
        by="joao",
        authors="Lina Haddad",
        publisher="Digital rights clinic",
        published_on=date(2024, 9, 9),
        abstract="When may police monitor the phones and accounts of people who organise "
        "protests? A review of the standards on privacy and assembly.",
        pages=("Analysis: targeted surveillance needs a warrant and a specific suspicion.",),
        tags=("surveillance", "public-assembly"),
        provisions=(("iccpr", "Art. 17"),),
        country="LB",
    ),
    DemoResource(
        title="Children in police custody: minimum standards",
        kind="guidance",
        by="joao",
        authors="Juvenile justice working group",
        publisher="Policing & Human Rights Network",
        published_on=date(2025, 2, 17),
        abstract="A parent or guardian informed at once, a separate cell, questioning only with "
        "a lawyer present.",
        pages=("Minimum standards for children in custody, one page for the charge office wall.",),
        tags=("children-and-youth", "arrest-and-detention"),
        provisions=(("un-body-of-principles-detention", "Principle 16"),),
        visibility="public",
    ),
    DemoResource(
        title="Counter-terrorism powers and profiling at borders",
        kind="report",
        by="mod-sam",
        authors="Border monitoring network",
        publisher="Border monitoring network",
        published_on=date(2025, 6, 30),
        abstract="Who is stopped at borders under counter-terrorism powers, and on what grounds.",
        pages=("Data from two years of border stops, by nationality and stated reason.",),
        tags=("counter-terrorism", "discrimination-and-profiling"),
        region="Europe",
    ),
    DemoResource(
        title="Notes from a community meeting on police patrols",
        kind="other",
        by="amina",
        authors="Amina (demo activist)",
        publisher="",
        published_on=date(2026, 10, 2),
        abstract="What residents said about night patrols in their neighbourhood. Waiting for "
        "review by an expert or a moderator.",
        pages=("Residents asked for patrols on foot and for officers who introduce themselves.",),
        tags=("police-reform",),
        licence="",
    ),
    DemoResource(
        title="Torture prevention in the first hours of custody",
        kind="training",
        by="joao",
        authors="Network training team",
        publisher="Policing & Human Rights Network",
        published_on=date(2025, 11, 5),
        abstract="Training material on the safeguards that prevent ill-treatment: a record, a "
        "lawyer, a doctor, a call home.",
        pages=("The first hours are the most dangerous: every safeguard starts at arrest.",),
        tags=("torture-and-ill-treatment", "arrest-and-detention", "training"),
        provisions=(("un-code-of-conduct", "Art. 5"),),
    ),
    DemoResource(
        title="Firearms policy review: when may officers shoot?",
        kind="publication",
        by="joao",
        authors="Kwame Mensah",
        publisher="Policing & Human Rights Network",
        published_on=date(2026, 4, 22),
        abstract="A review of ten national firearms policies against the Basic Principles: only "
        "to protect life, with a warning, and a report after every shot.",
        pages=(
            "Ten policies compared. Three allow shooting to stop a fleeing suspect.",
            "Principle 9 allows intentional lethal use only when strictly unavoidable to "
            "protect life.",
        ),
        tags=("firearms", "use-of-force"),
        provisions=(
            ("un-basic-principles-force-firearms", "Principle 9"),
            ("un-basic-principles-force-firearms", "Principle 10"),
        ),
        visibility="public",
    ),
]

COLLECTIONS = [
    (
        COVID,
        "COVID-19 and policing",
        "Guidance, reports and training on policing emergency health measures, gathered "
        "during the pandemic. What was learned then applies to any emergency powers.",
        CollectionOrder.CURATED,
    ),
    (
        PAPERS,
        SERIES,
        "The network's short papers: one question of policing and human rights each, in "
        "a few pages, every year.",
        CollectionOrder.SERIES,
    ),
]


def demo_pdf(title: str, pages: tuple[str, ...], author: str) -> bytes:
    """A small PDF with real metadata (author, creator program), which the pipeline strips."""
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_author(author or "Demo author")
    pdf.set_creator("Demo Word Processor 1.0")
    pdf.set_keywords("demo")
    for text in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        # The core fonts are Latin-1: the demo texts stay within it.
        pdf.multi_cell(0, 8, text.encode("latin-1", "replace").decode("latin-1"))
    return bytes(pdf.output())


def ensure_demo_library() -> int:
    """Create the demo resources and collections that do not exist yet; returns how many."""
    users = {u.handle: u for u in User.objects.filter(handle__in={r.by for r in RESOURCES})}
    moderator = users.get("mod-sam")
    if moderator is None:
        return 0
    collections: dict[str, Collection] = {}
    for slug, title, introduction, order in COLLECTIONS:
        collection = Collection.objects.filter(slug=slug).first()
        if collection is None:
            collection = services.create_collection(
                actor=moderator,
                data=CollectionData(title=title, slug=slug, introduction=introduction, order=order),
            )
        collections[slug] = collection
    provision_model = Resource._meta.get_field("provisions").related_model
    tags = {tag.slug: tag for tag in Tag.objects.all()}
    created = 0
    for item in RESOURCES:
        actor = users.get(item.by)
        if actor is None or Resource.objects.filter(title=item.title).exists():
            continue
        staged = []
        if item.pages:
            name = f"{slugify(item.title)[:50].strip('-')}.pdf"
            data = demo_pdf(item.title, item.pages, item.authors)
            staged.append(
                services.stage_file(actor=actor, name=name, data=data, language=item.language)
            )
        provisions = [
            provision_model.objects.filter(instrument__slug=slug, number=number).first()
            for slug, number in item.provisions
        ]
        resource = services.create_resource(
            actor=actor,
            data=ResourceData(
                kind=item.kind,
                title=item.title,
                authors=item.authors,
                publisher=item.publisher,
                published_on=item.published_on,
                abstract=item.abstract,
                country=item.country,
                region=item.region,
                series=item.series,
                number=item.number,
                source_url=item.source_url,
                licence=item.licence,
                visibility=item.visibility,
                languages=[item.language],
                tags=[tags[slug] for slug in item.tags if slug in tags],
                provisions=[p for p in provisions if p is not None],
            ),
            staged=staged,
        )
        created += 1
        for slug in item.collections:
            if resource.is_published:
                services.add_to_collection(
                    actor=moderator, collection=collections[slug], resource=resource
                )
    # The worker's job, done once here so that the demo's search finds text in files.
    while services.extract_pending(limit=100):
        pass
    return created
