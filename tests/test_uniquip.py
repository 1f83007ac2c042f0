"""uniquip (UK equipment-sharing CSV): the current and the older column sets, any common encoding, bad
rows reported by line, unmapped columns kept and exported back."""
import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.models import Organisation, SharedInstrument
from marketplace.services import uniquip
from tests.factories import login, register

# The real feed lives in the shared folder beside the checkout (a level higher for a git worktree).
ST_ANDREWS = next(folder / "shared/data/uniquip/st-andrews-equipment.csv" for folder in Path(__file__).parents
                  if (folder / "shared/data/uniquip/st-andrews-equipment.csv").is_file())

CURRENT = (
    "type,institutionID,doi,name,description,manufacturer,model,commissionedDate,measuredVariables,subject,"
    "infraportalDiscipline,contactEmail,managingDepartment\n"
    "equipment,EQ-001,10.1234/eq1,高效液相色谱仪,可开展药物有关物质检测。,安捷伦 Agilent,1260 Infinity II,2019-05-01,"
    "有关物质; 含量测定,色谱; Chemistry,Chemical sciences,lab@example.ac.uk,化学学院\n"
    "equipment,EQ-002,,Café “Zeiss” SEM,Scanning electron microscope,ZEISS,Sigma 300,,morphology,,,,Physics\n"
)


def instruments(session):
    return {i.ref: i for i in session.scalars(select(SharedInstrument))}


def test_the_st_andrews_feed_imports_with_its_one_placeholder_row_reported(session):
    imported = uniquip.import_uniquip(session, ST_ANDREWS.read_bytes(), {"name": "University of St Andrews"})
    report = imported.report
    assert imported.encoding == "cp1252"
    assert (report.created, len(report.errors)) == (622, 1)
    assert report.errors[0].line == 2 and "name" in report.errors[0].errors  # "UNKNOWN"
    hitachi = session.scalar(select(SharedInstrument).where(SharedInstrument.title == "Hitachi S4800 SEM"))
    assert hitachi.source_fields["managingDepartment"] and hitachi.source_fields["Contact Telephone"]
    assert "institutionID" not in hitachi.source_fields  # the feed has no ids; the ref comes from the row
    again = uniquip.import_uniquip(session, ST_ANDREWS.read_bytes(), {"name": "University of St Andrews"}).report
    assert (again.created, again.updated, again.unchanged) == (0, 0, 622)


def test_an_export_imports_back_unchanged_with_the_old_columns_kept(session):
    uniquip.import_uniquip(session, ST_ANDREWS.read_bytes(), {"name": "University of St Andrews"})
    stream = io.StringIO()
    assert uniquip.export_uniquip(session, stream) == 622
    header = next(csv.reader(io.StringIO(stream.getvalue())))
    assert header[:6] == ["type", "institutionID", "doi", "name", "description", "manufacturer"]
    assert {"Contact Telephone", "Site Location", "Location"} <= set(header)
    back = uniquip.import_uniquip(session, stream.getvalue().encode(), {"name": "University of St Andrews"}).report
    assert (back.created, back.updated, back.unchanged, back.errors) == (0, 0, 622, [])


@pytest.mark.parametrize("encoding, detected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")])
def test_the_current_columns_map_onto_our_fields_in_any_encoding(session, encoding, detected):
    imported = uniquip.import_uniquip(session, CURRENT.encode(encoding), {"name": "某大学"})
    assert imported.encoding == detected and imported.report.errors == []
    owner = session.scalar(select(Organisation).where(Organisation.name == "某大学"))
    hplc = instruments(session)[f"uniquip-{owner.id}-EQ-001"]
    assert (hplc.title, hplc.manufacturer, hplc.model) == ("高效液相色谱仪", "安捷伦 Agilent", "1260 Infinity II")
    assert hplc.capabilities == ["有关物质", "含量测定"] and hplc.keywords == ["色谱", "Chemistry"]
    assert hplc.source_fields == {"type": "equipment", "institutionID": "EQ-001", "doi": "10.1234/eq1",
                                  "commissionedDate": "2019-05-01", "infraportalDiscipline": "Chemical sciences",
                                  "contactEmail": "lab@example.ac.uk", "managingDepartment": "化学学院"}
    stream = io.StringIO()
    uniquip.export_uniquip(session, stream)
    exported = {row["institutionID"]: row for row in csv.DictReader(io.StringIO(stream.getvalue()))}
    assert exported["EQ-001"]["doi"] == "10.1234/eq1"
    assert exported["EQ-001"]["measuredVariables"] == "有关物质; 含量测定"


def test_windows_1252_text_keeps_its_accents_and_quotes(session):
    imported = uniquip.import_uniquip(session, CURRENT.replace("高效液相色谱仪", "HPLC").replace(
        "可开展药物有关物质检测。", "").replace("安捷伦 ", "").replace("有关物质; 含量测定", "purity").replace(
        "色谱; ", "").replace("化学学院", "Chemistry").encode("cp1252"), {"name": "Some University"})
    assert imported.encoding == "cp1252"
    assert "Café “Zeiss” SEM" in {i.title for i in instruments(session).values()}


def test_bad_rows_are_reported_by_line_and_good_rows_kept(session):
    data = ("institutionID,name,description,measuredVariables\n"
            "A1,Good one,,\n"
            "A2,UNKNOWN,,\n"
            f"A3,{'x' * 301},,\n"
            "A4,Another good one,,\n").encode()
    report = uniquip.import_uniquip(session, data, {"name": "Some University"}).report
    assert report.created == 2
    assert [(e.line, sorted(e.errors)) for e in report.errors] == [(3, ["name"]), (4, ["name"])]


def test_a_file_that_is_not_uniquip_is_one_clear_error(session):
    report = uniquip.import_uniquip(session, b"foo,bar\n1,2\n", {"name": "Some University"}).report
    assert report.created == 0 and report.errors[0].line == 1 and "columns" in report.errors[0].errors


def test_two_institutions_with_the_same_ids_never_touch_each_others_instruments(session):
    uniquip.import_uniquip(session, CURRENT.encode(), {"name": "大学甲"})
    second = uniquip.import_uniquip(session, CURRENT.replace("高效液相色谱仪", "另一台").encode(), {"name": "大学乙"})
    assert second.report.created == 2
    assert session.scalar(select(func.count()).select_from(SharedInstrument)) == 4
    assert "高效液相色谱仪" in {i.title for i in instruments(session).values()}


def test_the_cli_imports_a_uniquip_file_for_an_owner(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "import", "--format", "uniquip", str(ST_ANDREWS),
                                 "--owner", "University of St Andrews"])
    assert result.exit_code == 1  # one row was rejected
    assert "read as cp1252" in result.output and "created 622" in result.output
    assert "line 2: name:" in result.output
    missing = runner.invoke(args=["catalog", "import", "--format", "uniquip", str(ST_ANDREWS)])
    assert missing.exit_code == 2 and "--owner" in missing.output


def test_a_member_uploads_the_feed_on_the_site_and_downloads_it_back(client, session):
    register(session)
    login(client)
    response = client.post("/exchange/uniquip", data={"file": (io.BytesIO(CURRENT.encode("gb18030")), "feed.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "gb18030" in page and "2 created" in page
    download = client.get("/exchange/uniquip.csv")
    assert download.mimetype == "text/csv" and "EQ-001" in download.get_data(as_text=True)
    hplc = session.scalar(select(SharedInstrument).where(SharedInstrument.title == "高效液相色谱仪"))
    assert "lab@example.ac.uk" in client.get(f"/instruments/{hplc.id}").get_data(as_text=True)  # kept, and shown
