"""Custom registration questions: the organizer asks, guests answer in their language, the answers
show in the list, its filter, the exports and the API, and come in with spreadsheet imports."""

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.registration.models import Invitation, Registration
from eventsvc.registration.questions.models import Answer
from tests.registration.helpers import guest_post, invite
from tests.support.database import page_statements
from tests.support.web import csrf_token, post_form

DIET = {"kind": "single_choice", "label": "Dietary needs", "label_local": "饮食需求",
        "help": "We tell the caterer.", "help_local": "我们会告知餐饮方。", "required": "y", "key": "diet",
        "new_choices": "Vegetarian | 素食\nHalal | 清真\nNo restriction | 无特殊要求"}


def _add_question(client, slug, data):
    return post_form(client, f"/manage/e/{slug}/questions", data)


def _question_id(app, slug, key):
    from eventsvc.registration.questions.models import Question

    with app.app_context():
        return db.session.scalar(select(Question.id).where(Question.event_id == event_by_slug(slug).id,
                                                           Question.key == key))


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_guest_answering_in_chinese_sees_the_chinese_labels_and_the_answer_shows_in_the_list(app, organizer):
    client, slug = organizer
    response = _add_question(client, slug, DIET)
    assert response.status_code == 302
    editor = client.get(f"/manage/e/{slug}/questions").get_data(as_text=True)
    assert "Dietary needs" in editor and "饮食需求" in editor and "Vegetarian" in editor

    token = invite(app, slug, "li@example.cn", language="zh")
    guest = app.test_client()
    page = guest.get(f"/g/{token}").get_data(as_text=True)
    assert "饮食需求" in page and "清真" in page and "我们会告知餐饮方。" in page
    assert "Dietary needs" not in page and "Halal" not in page

    response = guest_post(guest, token, "accept", {"q-diet": "c2"})
    assert response.status_code == 302
    page = client.get(f"/manage/e/{slug}/registrations").get_data(as_text=True)
    assert "Dietary needs" in page and "Halal" in page


def test_a_required_question_left_unanswered_is_a_form_error_and_registers_nobody(app, client, organizer):
    org, slug = organizer
    _add_question(org, slug, DIET)
    form = {"name": "Zhou Min", "email": "zhou@example.cn", "language": "en"}
    response = post_form(client, f"/e/{slug}/register", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please answer this question." in page and 'aria-invalid="true"' in page
    assert _count(app, Registration) == 0

    response = post_form(client, f"/e/{slug}/register", {**form, "q-diet": "c1"})
    assert response.status_code == 200 and _count(app, Registration) == 1
    with app.app_context():
        answer = db.session.scalars(select(Answer)).one()
        assert [c.label for c in answer.choices] == ["Vegetarian"]


def test_the_invitation_form_refuses_an_unticked_consent_and_keeps_what_the_guest_typed(app, organizer):
    client, slug = organizer
    _add_question(client, slug, {"kind": "checkbox", "label": "I agree to the privacy notice",
                                 "label_local": "我同意隐私声明", "required": "y", "key": "consent"})
    _add_question(client, slug, {"kind": "short_text", "label": "Arrival flight", "key": "flight"})
    token = invite(app, slug, "li@example.cn")
    guest = app.test_client()
    response = guest_post(guest, token, "accept", {"q-flight": "CA1234"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please tick this box." in page and 'value="CA1234"' in page
    assert _count(app, Registration) == 0
    guest_post(guest, token, "accept", {"q-flight": "CA1234", "q-consent": "yes"})
    assert _count(app, Registration) == 1


def test_the_portal_lets_a_guest_change_answers_until_the_registration_ends(app, organizer):
    client, slug = organizer
    _add_question(client, slug, {"kind": "number", "label": "Nights at the hotel", "key": "nights"})
    token = invite(app, slug, "li@example.cn")
    guest = app.test_client()
    guest_post(guest, token, "accept", {"q-nights": "2"})
    assert guest_post(guest, token, "answers", {"q-nights": "three"}).status_code == 422
    assert guest_post(guest, token, "answers", {"q-nights": "3"}).status_code == 302
    assert 'value="3"' in guest.get(f"/g/{token}").get_data(as_text=True)
    guest_post(guest, token, "cancel")
    assert f'action="/g/{token}/answers"' not in guest.get(f"/g/{token}").get_data(as_text=True)
    guest_post(guest, token, "answers", {"q-nights": "5"})
    with app.app_context():
        assert db.session.scalars(select(Answer.value)).one() == "3"


def test_the_list_filters_by_an_answer_and_the_xlsx_has_one_column_per_question(app, organizer):
    client, slug = organizer
    _add_question(client, slug, DIET)
    _add_question(client, slug, {"kind": "multiple_choice", "label": "Seminars of interest", "key": "topics",
                                 "new_choices": "Batteries | 电池\nCharging | 充电"})
    for email, name, diet, topics in (("a@example.cn", "Ann Lee", "c1", ["c1", "c2"]),
                                      ("b@example.cn", "Bo Wu", "c2", ["c2"])):
        token = invite(app, slug, email, name=name, name_local="")
        guest_post(app.test_client(), token, "accept", {"q-diet": diet, "q-topics": topics})
    diet_id = _question_id(app, slug, "diet")
    page = client.get(f"/manage/e/{slug}/registrations?question={diet_id}&answer=halal").get_data(as_text=True)
    assert "Bo Wu" in page and "Ann Lee" not in page and "1 shown of 1" in page
    topics_id = _question_id(app, slug, "topics")
    page = client.get(f"/manage/e/{slug}/registrations?question={topics_id}&answer=充电").get_data(as_text=True)
    assert "Bo Wu" in page and "Ann Lee" in page

    response = client.get(f"/manage/e/{slug}/registrations?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[-2:] == ["diet", "topics"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ann Lee"][-2:] == ("Vegetarian", "Batteries; Charging")
    assert by_name["Bo Wu"][-2:] == ("Halal", "Charging")


def test_an_import_with_a_bad_choice_names_the_line_and_imports_nothing(app, organizer):
    client, slug = organizer
    _add_question(client, slug, DIET)
    csv = ("name,email,Dietary needs\n"
           "Ann Lee,a@example.cn,Vegetarian\n"
           "Bo Wu,b@example.cn,Fish\n"
           "Cai Yun,c@example.cn,清真\n").encode()
    path = f"/manage/e/{slug}/invitations/import"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(csv), "g.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: 1 row has errors." in page
    assert "3" in page and "“Fish” is not one of the choices" in page
    assert _count(app, Invitation) == 0 and _count(app, Answer) == 0

    good = csv.replace(b"Fish", b"Halal")
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(good), "g.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Dietary needs: Halal" in page and "Dietary needs: 清真" not in page
    from eventsvc.registration import invitations

    with app.app_context():
        created = invitations.import_invitations(event_by_slug(slug), "g.csv", good, invited_by_id=None, send=False)
        db.session.commit()
        assert len(created) == 3
        labels = sorted(c.label for a in db.session.scalars(select(Answer)) for c in a.choices)
        assert labels == ["Halal", "Halal", "Vegetarian"]


def test_an_answer_stays_readable_when_its_choice_is_renamed_or_removed(app, organizer):
    client, slug = organizer
    _add_question(client, slug, DIET)
    token = invite(app, slug, "li@example.cn", name="Li Lei")
    guest_post(app.test_client(), token, "accept", {"q-diet": "c2"})
    qid = _question_id(app, slug, "diet")
    edit = f"/manage/e/{slug}/questions/{qid}"
    response = post_form(client, edit, {**DIET, "new_choices": "", "choice-c1-label": "Vegetarian",
                                        "choice-c2-label": "Halal meals", "choice-c2-label_local": "清真餐",
                                        "choice-c3-label": "No restriction"})
    assert response.status_code == 302
    assert "Halal meals" in client.get(f"/manage/e/{slug}/registrations").get_data(as_text=True)
    response = post_form(client, edit, {**DIET, "new_choices": "", "choice-c1-label": "Vegetarian",
                                        "choice-c2-label": "Halal meals", "choice-c2-remove": "1",
                                        "choice-c3-label": "No restriction"})
    assert response.status_code == 302
    assert "Halal meals" in client.get(f"/manage/e/{slug}/registrations").get_data(as_text=True)
    assert 'value="c2"' not in app.test_client().get(f"/e/{slug}/register").get_data(as_text=True)
    # the kind of an answered question stays
    response = post_form(client, edit, {**DIET, "kind": "short_text", "new_choices": ""})
    assert response.status_code == 422 and "its kind cannot change" in response.get_data(as_text=True)
    # and it cannot be deleted, only hidden
    response = post_form(client, f"{edit}/delete", {}, from_path=edit)
    assert _question_id(app, slug, "diet") == qid


def test_questions_move_up_and_down(app, organizer):
    client, slug = organizer
    for key in ("first", "second", "third"):
        _add_question(client, slug, {"kind": "short_text", "label": key.title(), "key": key})
    post_form(client, f"/manage/e/{slug}/questions/{_question_id(app, slug, 'third')}/move", {"direction": "up"},
              from_path=f"/manage/e/{slug}/questions")
    page = app.test_client().get(f"/e/{slug}/register").get_data(as_text=True)
    assert page.index("q-first") < page.index("q-third") < page.index("q-second")


def test_a_question_for_vips_only_is_not_asked_of_other_guests(app, organizer):
    client, slug = organizer
    with app.app_context():
        from eventsvc.registration.models import Category

        vip_id = db.session.scalar(select(Category.id).where(Category.code == "vip"))
    _add_question(client, slug, {"kind": "short_text", "label": "Passport number", "key": "passport",
                                 "required": "y", "categories": [str(vip_id)]})
    assert "Passport number" not in app.test_client().get(f"/e/{slug}/register").get_data(as_text=True)
    vip = invite(app, slug, "vip@example.cn", category="vip")
    assert "Passport number" in app.test_client().get(f"/g/{vip}").get_data(as_text=True)
    guest = invite(app, slug, "guest@example.cn", category="guest")
    assert "Passport number" not in app.test_client().get(f"/g/{guest}").get_data(as_text=True)
    assert guest_post(app.test_client(), guest, "accept").status_code == 302
    assert guest_post(app.test_client(), vip, "accept").status_code == 422


def test_the_list_costs_the_same_number_of_queries_with_answers_for_3_and_12_guests(app, organizer):

    client, slug = organizer
    _add_question(client, slug, DIET)
    _add_question(client, slug, {"kind": "short_text", "label": "Arrival flight", "key": "flight"})

    def count_queries(path):
        return page_statements(app, client, path)

    def add(i):
        token = invite(app, slug, f"g{i}@example.cn", name=f"Guest {i}")
        guest_post(app.test_client(), token, "accept", {"q-diet": "c1", "q-flight": f"CA{i}"})

    for i in range(3):
        add(i)
    path = f"/manage/e/{slug}/registrations"
    few = count_queries(path)
    for i in range(3, 12):
        add(i)
    assert count_queries(path) == few


def test_the_next_edition_asks_the_same_questions_of_the_same_categories_without_the_answers(
        app, organizer_client, demo):
    from eventsvc.registration.models import Category
    from eventsvc.registration.questions.service import list_questions

    with app.app_context():
        vip_id = db.session.scalar(select(Category.id).where(Category.event_id == event_by_slug(demo).id,
                                                             Category.code == "vip"))
    _add_question(organizer_client, demo, {**DIET, "categories": [str(vip_id)]})
    response = post_form(organizer_client, f"/manage/e/{demo}/copy", {
        "slug": "ev100-2024", "title": "China Electric Vehicle 100 Forum 2024", "title_local": "",
        "start_date": "2024-03-29"})
    assert response.status_code == 302
    with app.app_context():
        [question] = list_questions(event_by_slug("ev100-2024"))
        assert (question.key, question.label_local, question.required) == ("diet", "饮食需求", True)
        assert [c.label for c in question.choices] == ["Vegetarian", "Halal", "No restriction"]
        assert [(c.code, c.event_id) for c in question.categories] == [("vip", question.event_id)]
