"""Seeding: the shared tag vocabulary (always) and the demo accounts (demo only)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.markup import render_markdown
from members.models import MemberRole, Profile, SpokenLanguage, Status, Tag, User, Visibility
from members.vocabulary import SEED_TAGS

DEMO_PASSWORD = "network-demo"  # noqa: S105 - documented demo credential, demo data only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    handle: str
    display_name: str
    role: str
    country: str
    languages: tuple[str, ...]
    expertise: tuple[str, ...] = ()
    is_expert: bool = False
    is_moderator: bool = False
    organisation: str = ""
    bio: str = ""
    open_to_questions: bool = False
    public: bool = False


# The generated demo members (forum.demo makes them) have addresses at this domain.
DEMO_MEMBER_DOMAIN = "@members.demo.example"

DEMO_ACCOUNTS = [
    DemoAccount(
        "activist@demo.example",
        "amina",
        "Amina (demo activist)",
        MemberRole.ACTIVIST,
        "KE",
        ("en", "sw"),
        ("public-assembly", "accountability"),
        organisation="Community legal monitors",
        bio="I document how protests are policed in my city and support people who were hurt.",
    ),
    DemoAccount(
        "expert@demo.example",
        "joao",
        "João (demo expert)",
        MemberRole.TRAINER,
        "BR",
        ("pt", "en", "es"),
        ("use-of-force", "less-lethal-weapons", "public-assembly", "training"),
        is_expert=True,
        organisation="Former police trainer",
        open_to_questions=True,
        public=True,
        bio="Twenty years training officers in **de-escalation** and the UN Basic Principles.",
    ),
    DemoAccount(
        "moderator@demo.example",
        "mod-sam",
        "Sam (demo moderator)",
        MemberRole.RESEARCHER,
        "NL",
        ("nl", "en", "fr"),
        ("police-oversight", "accountability"),
        is_moderator=True,
        organisation="Network moderation team",
    ),
]

# A few dozen more members, pseudonymous like many real ones, so that the
# directory has something to search. (name, role, country, languages, topics)
DEMO_MEMBERS = [
    ("Lina H.", MemberRole.LAWYER, "LB", ("ar", "fr", "en"), ("torture-and-ill-treatment", "arrest-and-detention")),
    ("Tomasz", MemberRole.RESEARCHER, "PL", ("pl", "en"), ("surveillance", "police-oversight")),
    ("Grace O.", MemberRole.JOURNALIST, "NG", ("en",), ("journalists-and-press", "public-assembly")),
    ("Inspector Dara", MemberRole.POLICE, "IE", ("en", "ga"), ("police-reform", "training")),
    ("Mariela", MemberRole.ACTIVIST, "CO", ("es",), ("deaths-in-custody", "accountability")),
    ("Yusuf K.", MemberRole.LAWYER, "TR", ("tr", "en"), ("freedom-of-expression", "counter-terrorism")),
    ("Anouk", MemberRole.TRAINER, "BE", ("nl", "fr"), ("training", "use-of-force")),
    ("Rafael", MemberRole.RESEARCHER, "MX", ("es", "en"), ("discrimination-and-profiling", "stop-and-search")),
    ("Chen W.", MemberRole.RESEARCHER, "TW", ("zh-hant", "en"), ("surveillance",)),
    ("Fatou", MemberRole.ACTIVIST, "SN", ("fr", "wo"), ("public-assembly", "covid-19")),
    ("Officer Kim", MemberRole.POLICE, "KR", ("ko", "en"), ("less-lethal-weapons",)),
    ("Sofia R.", MemberRole.LAWYER, "AR", ("es",), ("arrest-and-detention", "children-and-youth")),
    ("Hassan", MemberRole.JOURNALIST, "EG", ("ar", "en"), ("journalists-and-press", "torture-and-ill-treatment")),
    ("Ingrid", MemberRole.RESEARCHER, "NO", ("nb", "en"), ("police-oversight",)),
    ("Kwame", MemberRole.TRAINER, "GH", ("en",), ("training", "accountability")),
    ("Priya S.", MemberRole.LAWYER, "IN", ("hi", "en"), ("deaths-in-custody", "arrest-and-detention")),
    ("Jonas", MemberRole.ACTIVIST, "DE", ("de", "en"), ("discrimination-and-profiling", "stop-and-search")),
    ("Elena V.", MemberRole.RESEARCHER, "ES", ("es", "ca", "en"), ("public-assembly", "less-lethal-weapons")),
    ("Ahmad", MemberRole.POLICE, "JO", ("ar",), ("police-reform",)),
    ("Claire", MemberRole.TRAINER, "FR", ("fr", "en"), ("use-of-force", "firearms")),
    ("Nomvula", MemberRole.ACTIVIST, "ZA", ("en", "zu"), ("accountability", "deaths-in-custody")),
    ("Pedro A.", MemberRole.JOURNALIST, "PT", ("pt",), ("journalists-and-press",)),
    ("Aigerim", MemberRole.RESEARCHER, "KZ", ("kk", "ru"), ("freedom-of-expression", "surveillance")),
    ("Malik", MemberRole.OTHER, "PK", ("ur", "en"), ("counter-terrorism",)),
    ("Rosa M.", MemberRole.LAWYER, "PE", ("es",), ("torture-and-ill-treatment",)),
    ("Daniel", MemberRole.POLICE, "GB", ("en",), ("stop-and-search", "training")),
    ("Ayesha", MemberRole.ACTIVIST, "BD", ("bn", "en"), ("children-and-youth",)),
    ("Mateo", MemberRole.RESEARCHER, "CL", ("es", "en"), ("less-lethal-weapons", "public-assembly")),
    ("Olga", MemberRole.LAWYER, "UA", ("uk", "ru", "en"), ("arrest-and-detention",)),
    ("Samir", MemberRole.TRAINER, "MA", ("ar", "fr"), ("training", "use-of-force")),
    ("Hanna", MemberRole.JOURNALIST, "FI", ("fi", "sv", "en"), ("surveillance", "journalists-and-press")),
    ("Thabo", MemberRole.POLICE, "BW", ("en",), ("police-reform", "accountability")),
]  # fmt: skip
EXPERT_HANDLES = {"lina-h", "claire", "priya-s", "elena-v", "kwame"}


def demo_members() -> dict[str, User]:
    """Demo accounts and generated demo members by the handle the seed gave them.

    Keyed by the seeded handle (not the current one), so that a demo visitor
    who changes a handle does not break the next run. Every app's demo data
    finds its authors here.
    """
    demo_handles = {account.email: account.handle for account in DEMO_ACCOUNTS}
    users = User.objects.filter(Q(email__in=demo_handles) | Q(email__endswith=DEMO_MEMBER_DOMAIN))
    members = {}
    for user in users:
        handle = demo_handles.get(user.email) or user.email.removesuffix(DEMO_MEMBER_DOMAIN)
        if user.is_member:
            members[handle] = user
    return members


def ensure_tag_vocabulary() -> int:
    """Create the seed tags that do not exist yet; return how many were created."""
    created = 0
    with transaction.atomic():
        for slug, name, description in SEED_TAGS:
            _, was_created = Tag.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            created += was_created
    return created


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace("--", "-")


def ensure_demo_accounts() -> list[User]:
    """Create the demo accounts and demo members, approved with verified email.

    Accounts that exist are left as they are, so a demo user's edits survive
    another `make run`.
    """
    accounts = list(DEMO_ACCOUNTS) + [
        DemoAccount(
            email=f"{_slug(name)}@members.demo.example",
            handle=_slug(name),
            display_name=name,
            role=role,
            country=country,
            languages=languages,
            expertise=topics,
            is_expert=_slug(name) in EXPERT_HANDLES,
            open_to_questions=_slug(name) in EXPERT_HANDLES or index % 3 == 0,
        )
        for index, (name, role, country, languages, topics) in enumerate(DEMO_MEMBERS)
    ]
    tags = {tag.slug: tag for tag in Tag.objects.all()}
    users = []
    # One hash for the one published demo password: hashing it at full
    # strength for each of 35 accounts took ten seconds of every `make run`.
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        for account in accounts:
            user = User.objects.filter(email__iexact=account.email).first()
            if user is not None and account in DEMO_ACCOUNTS:
                # The documented demo roles hold even on an older database.
                User.objects.filter(pk=user.pk).update(
                    status=Status.ACTIVE,
                    is_expert=account.is_expert,
                    is_moderator=account.is_moderator,
                    is_banned=False,
                    is_active=True,
                )
            if user is None or not Profile.objects.filter(user=user).exists():
                user = user or User.objects.create(
                    email=account.email,
                    password=password_hash,
                    handle=account.handle,
                    display_name=account.display_name,
                    status=Status.ACTIVE,
                    approved_at=timezone.now(),
                    is_expert=account.is_expert,
                    is_moderator=account.is_moderator,
                )
                visibility = Visibility.PUBLIC if account.public else Visibility.MEMBERS
                profile = Profile.objects.create(
                    user=user,
                    role=account.role,
                    country=account.country,
                    organisation=account.organisation,
                    bio=account.bio,
                    bio_html=render_markdown(account.bio) if account.bio else "",
                    open_to_questions=account.open_to_questions,
                    name_visibility=visibility,
                    bio_visibility=visibility,
                    role_visibility=visibility,
                    expertise_visibility=visibility,
                )
                SpokenLanguage.objects.bulk_create(
                    SpokenLanguage(profile=profile, code=code) for code in account.languages
                )
                profile.expertise.set([tags[slug] for slug in account.expertise if slug in tags])
            EmailAddress.objects.update_or_create(
                user=user,
                email=account.email,
                defaults={"verified": True, "primary": True},
            )
            users.append(user)
    return users
