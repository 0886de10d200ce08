from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/edit/", views.profile_edit, name="profile_edit"),
    path("waiting/", views.waiting, name="waiting"),
    path("invitations/", views.invitations, name="invitations"),
    path("join/<str:token>/", views.join, name="join"),
    path("moderation/pending/", views.pending, name="pending"),
    path("moderation/audit/", views.audit, name="audit"),
    path("moderation/contact/", views.contact_messages, name="contact_messages"),
    path("moderation/contact/<int:pk>/", views.contact_message, name="contact_message"),
    path(
        "moderation/contact/<int:pk>/handled/",
        views.contact_message_handle,
        name="contact_message_handle",
    ),
    path(
        "moderation/contact/<int:pk>/delete/",
        views.contact_message_delete,
        name="contact_message_delete",
    ),
    path("moderation/<str:handle>/approve/", views.approve, name="approve"),
    path("moderation/<str:handle>/reject/", views.reject, name="reject"),
    path("moderation/<str:handle>/ban/", views.ban, name="ban"),
    path("moderation/<str:handle>/role/<str:role>/", views.set_role, name="set_role"),
    path("<str:handle>/", views.profile, name="profile"),
]
