"""Events in a member's own data: the download lists their registrations and
notes; deleting the account gives their place to the next on the waiting list."""

from __future__ import annotations

import json

from events import services
from events.models import Registration
from network.privacy import delete_account, export_member_data


def test_the_download_lists_the_members_registrations_and_the_events_they_organise(
    make_event, make_user, organiser
) -> None:
    event = make_event()
    member = make_user()
    services.register(member=member, event=event, note="I use a wheelchair")
    data = json.loads(json.dumps(export_member_data(member)))
    [registration] = data["event_registrations"]
    assert registration["event"] == event.title
    assert registration["state"] == "confirmed"
    assert registration["note"] == "I use a wheelchair"
    organised = export_member_data(organiser)["events_organised"]
    assert [e["title"] for e in organised] == [event.title]
    # Nobody else's registration or note is in a member's download.
    assert "wheelchair" not in json.dumps(export_member_data(organiser))


def test_deleting_an_account_frees_its_place_for_the_waiting_list(make_event, make_user) -> None:
    event = make_event(capacity=1)
    leaving, waiting = make_user(), make_user()
    services.register(member=leaving, event=event, note="private note")
    services.register(member=waiting, event=event)
    assert Registration.objects.get(member=waiting).state == "waitlisted"

    delete_account(leaving, keep_contributions=False)

    assert Registration.objects.get(member=waiting).state == "confirmed"
    assert not Registration.objects.filter(note="private note").exists()
