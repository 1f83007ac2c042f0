import pytest

from app import create_app
from marketplace.passwords import PasswordHasher
from marketplace.services import accounts
from tests.factories import PASSWORD, credit_code, login, register


def test_registration_creates_the_organisation_and_makes_the_user_its_admin(app, client, session):
    response = client.post("/register", data={
        "email": "Boss@Example.com", "display_name": "王经理", "password": PASSWORD,
        "organisation_name": "武汉测试科技有限公司", "organisation_kind": "enterprise",
        "credit_code": credit_code("91420100MA4K5678"), "region": "湖北省/武汉市"})
    assert response.status_code == 302
    user = accounts.authenticate(session, app.extensions["passwords"], "boss@example.com", PASSWORD)
    assert user.organisation.name == "武汉测试科技有限公司" and user.role.value == "org_admin"


def test_a_bad_credit_code_is_rejected_with_a_message(client):
    response = client.post("/register", data={
        "email": "a@example.com", "display_name": "A", "password": PASSWORD, "organisation_name": "某公司",
        "organisation_kind": "enterprise", "credit_code": "91420100MA4K12345X"})
    assert response.status_code == 422
    assert "wrong check character" in response.get_data(as_text=True)


def test_a_wrong_password_does_not_sign_in(client, session):
    register(session)
    response = client.post("/login", data={"email": "lab@example.com", "password": "nope-nope"})
    assert response.status_code == 422 and "wrong" in response.get_data(as_text=True)


def test_signed_in_users_can_sign_out(client, session):
    register(session)
    login(client)
    assert client.post("/logout").status_code == 302
    assert client.get("/needs/new").status_code == 302


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forms_without_a_csrf_token_are_refused(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x",
                      "SEARCH_PATH": str(tmp_path / "search-index"), "EMBEDDING_MODEL": "hashing"})
    form = {"email": "a@example.com", "password": "whatever1"}
    response = app.test_client().post("/login", data=form)
    assert response.status_code == 400 and "请刷新页面后重试" in response.get_data(as_text=True)  # Chinese by default
    english = app.test_client().post("/login", data=form, headers={"Accept-Language": "en"})
    assert english.status_code == 400 and "reload the page" in english.get_data(as_text=True)
    app.extensions["database"].dispose()


def test_passwords_are_hashed_strongly_by_default_and_old_hashes_verify_after_the_method_changes():
    strong, fast = PasswordHasher(), PasswordHasher("pbkdf2:sha256:1")
    assert strong.hash(PASSWORD).startswith("scrypt:")
    stored = fast.hash(PASSWORD)
    assert strong.verify(stored, PASSWORD) and not strong.verify(stored, "correct-horse-8")


def test_a_misspelt_hashing_method_stops_the_app_at_start_up(tmp_path):
    with pytest.raises(ValueError, match="PASSWORD_HASH_METHOD 'sha1024'"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "PASSWORD_HASH_METHOD": "sha1024",
                    "SECRET_KEY": "a-real-key-so-the-hash-setting-is-what-fails"})
